// dbop is a small database-like operator in the shape kubebuilder generates: a manager with
// leader election and a metrics endpoint, one controller for Database that owns a ConfigMap and
// a Deployment, no predicates. It knows nothing of watchfilter: the e2e test points its
// KUBECONFIG at kube-apiserver or at a view of watchfilter-proxy and counts its reconciles
// (controller_runtime_reconcile_total on --metrics-bind-address).
//
// WATCH_NAMESPACE (optional, the operator-sdk convention) limits the cache to one namespace;
// leader election uses LEADER_ELECTION_NAMESPACE, else WATCH_NAMESPACE.
package main

import (
	"flag"
	"os"

	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

func main() {
	var metricsAddr, probeAddr string
	var leaderElect bool
	flag.StringVar(&metricsAddr, "metrics-bind-address", ":8080", "The address the metrics endpoint binds to (plain HTTP).")
	flag.StringVar(&probeAddr, "health-probe-bind-address", "0", "The address the probe endpoint binds to; 0 disables it.")
	flag.BoolVar(&leaderElect, "leader-elect", false, "Enable leader election (a Lease in the leader election namespace).")
	opts := zap.Options{Development: false}
	opts.BindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&opts)))
	setupLog := ctrl.Log.WithName("setup")

	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(addKnownTypes(scheme))

	watchNamespace := os.Getenv("WATCH_NAMESPACE")
	leaderNamespace := os.Getenv("LEADER_ELECTION_NAMESPACE")
	if leaderNamespace == "" {
		leaderNamespace = watchNamespace
	}
	options := ctrl.Options{
		Scheme:                        scheme,
		Metrics:                       metricsserver.Options{BindAddress: metricsAddr},
		HealthProbeBindAddress:        probeAddr,
		LeaderElection:                leaderElect,
		LeaderElectionID:              "dbop.example.watchfilter.io",
		LeaderElectionNamespace:       leaderNamespace,
		LeaderElectionReleaseOnCancel: true,
	}
	if watchNamespace != "" {
		options.Cache = cache.Options{DefaultNamespaces: map[string]cache.Config{watchNamespace: {}}}
	}
	mgr, err := ctrl.NewManager(ctrl.GetConfigOrDie(), options)
	if err != nil {
		setupLog.Error(err, "unable to create the manager")
		os.Exit(1)
	}
	if err := (&DatabaseReconciler{
		Client:   mgr.GetClient(),
		Scheme:   mgr.GetScheme(),
		Recorder: mgr.GetEventRecorderFor("dbop"),
	}).SetupWithManager(mgr); err != nil {
		setupLog.Error(err, "unable to create the controller")
		os.Exit(1)
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		setupLog.Error(err, "unable to set up the health check")
		os.Exit(1)
	}
	setupLog.Info("starting the manager", "watchNamespace", watchNamespace, "leaderElection", leaderElect)
	if err := mgr.Start(ctrl.SetupSignalHandler()); err != nil {
		setupLog.Error(err, "the manager stopped")
		os.Exit(1)
	}
}
