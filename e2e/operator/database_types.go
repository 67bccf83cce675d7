package main

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// The Database custom resource (e2e/operator/database-crd.yaml). The deep copies are written by
// hand where a kubebuilder project would generate them; nothing else differs.

var GroupVersion = schema.GroupVersion{Group: "dbop.example.watchfilter.io", Version: "v1"}

type DatabaseSpec struct {
	Engine   string            `json:"engine,omitempty"`
	Version  string            `json:"version,omitempty"`
	Members  int32             `json:"members,omitempty"`
	Settings map[string]string `json:"settings,omitempty"`
}

// DatabaseStatus: the operator writes observedGeneration and phase; the database's members
// report heartbeat and heartbeats (the e2e write script plays them).
type DatabaseStatus struct {
	ObservedGeneration int64  `json:"observedGeneration,omitempty"`
	Phase              string `json:"phase,omitempty"`
	Heartbeat          string `json:"heartbeat,omitempty"`
	Heartbeats         int64  `json:"heartbeats,omitempty"`
}

type Database struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              DatabaseSpec   `json:"spec,omitempty"`
	Status            DatabaseStatus `json:"status,omitempty"`
}

type DatabaseList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Database `json:"items"`
}

func (in *Database) DeepCopyInto(out *Database) {
	*out = *in
	out.TypeMeta = in.TypeMeta
	in.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	out.Spec = in.Spec
	if in.Spec.Settings != nil {
		out.Spec.Settings = make(map[string]string, len(in.Spec.Settings))
		for k, v := range in.Spec.Settings {
			out.Spec.Settings[k] = v
		}
	}
	out.Status = in.Status
}

func (in *Database) DeepCopy() *Database {
	if in == nil {
		return nil
	}
	out := new(Database)
	in.DeepCopyInto(out)
	return out
}

func (in *Database) DeepCopyObject() runtime.Object { return in.DeepCopy() }

func (in *DatabaseList) DeepCopyObject() runtime.Object {
	if in == nil {
		return nil
	}
	out := new(DatabaseList)
	*out = *in
	in.ListMeta.DeepCopyInto(&out.ListMeta)
	if in.Items != nil {
		out.Items = make([]Database, len(in.Items))
		for i := range in.Items {
			in.Items[i].DeepCopyInto(&out.Items[i])
		}
	}
	return out
}

func addKnownTypes(scheme *runtime.Scheme) error {
	scheme.AddKnownTypes(GroupVersion, &Database{}, &DatabaseList{})
	metav1.AddToGroupVersion(scheme, GroupVersion)
	return nil
}
