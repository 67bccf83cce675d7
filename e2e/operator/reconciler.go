package main

import (
	"context"
	"fmt"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/record"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
)

// DatabaseReconciler makes a Database's ConfigMap (its settings) and Deployment (its members)
// and reports progress in its status, the way most operators are written: it reads everything
// from the manager's cache, writes with CreateOrUpdate, and is woken by every event of its
// Database and of the objects it owns.
type DatabaseReconciler struct {
	client.Client
	Scheme   *runtime.Scheme
	Recorder record.EventRecorder
}

func (r *DatabaseReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	log := logf.FromContext(ctx)
	var db Database
	if err := r.Get(ctx, req.NamespacedName, &db); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}

	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: db.Name + "-config", Namespace: db.Namespace}}
	cmOp, err := controllerutil.CreateOrUpdate(ctx, r.Client, cm, func() error {
		cm.Data = map[string]string{
			"engine":  db.Spec.Engine,
			"version": db.Spec.Version,
			"members": strconv.Itoa(int(db.Spec.Members)),
		}
		for k, v := range db.Spec.Settings {
			cm.Data["setting."+k] = v
		}
		return controllerutil.SetControllerReference(&db, cm, r.Scheme)
	})
	if err != nil {
		return ctrl.Result{}, fmt.Errorf("configmap %s: %w", cm.Name, err)
	}

	dep := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: db.Name, Namespace: db.Namespace}}
	depOp, err := controllerutil.CreateOrUpdate(ctx, r.Client, dep, func() error {
		labels := map[string]string{"app.kubernetes.io/name": db.Name, "app.kubernetes.io/managed-by": "dbop"}
		members := db.Spec.Members
		dep.Spec.Replicas = &members
		if dep.Spec.Selector == nil { // immutable once created
			dep.Spec.Selector = &metav1.LabelSelector{MatchLabels: labels}
		}
		dep.Spec.Template.Labels = labels
		// Only the fields the operator owns: replacing the container would drop the server's
		// defaults and make every reconcile an update.
		if len(dep.Spec.Template.Spec.Containers) == 0 {
			dep.Spec.Template.Spec.Containers = []corev1.Container{{Name: "db"}}
		}
		dep.Spec.Template.Spec.Containers[0].Image = db.Spec.Engine + ":" + db.Spec.Version
		return controllerutil.SetControllerReference(&db, dep, r.Scheme)
	})
	if err != nil {
		return ctrl.Result{}, fmt.Errorf("deployment %s: %w", dep.Name, err)
	}
	if depOp == controllerutil.OperationResultUpdated {
		r.Recorder.Eventf(&db, corev1.EventTypeNormal, "Updated", "deployment %s: %d members, image %s",
			dep.Name, db.Spec.Members, dep.Spec.Template.Spec.Containers[0].Image)
	}

	if db.Status.ObservedGeneration != db.Generation || db.Status.Phase != "Ready" {
		patch := client.MergeFrom(db.DeepCopy())
		db.Status.ObservedGeneration = db.Generation
		db.Status.Phase = "Ready"
		if err := r.Status().Patch(ctx, &db, patch); err != nil {
			return ctrl.Result{}, fmt.Errorf("status: %w", err)
		}
	}
	log.Info("reconciled", "generation", db.Generation, "members", db.Spec.Members,
		"configmap", string(cmOp), "deployment", string(depOp))
	return ctrl.Result{}, nil
}

func (r *DatabaseReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&Database{}).
		Owns(&corev1.ConfigMap{}).
		Owns(&appsv1.Deployment{}).
		Complete(r)
}
