// Package validate checks trawl's deployment files offline: the Kubernetes kustomization is read
// as kustomize reads it (resources, namespace, labels, images) and every object decodes strictly
// into its API type (k8s.io/api, and a mirror of KEDA's ScaledObject), the settings that must
// agree across files do, every TRAWL_* variable the files set is a real flag, and the Grafana
// dashboard asks only for series that exist.
//
// It is its own module so that the stage modules never pull Kubernetes dependencies. It keeps to
// the API type packages: kustomize's krusty and KEDA's apis would compile client-go and
// controller-runtime, which cost CI minutes per cold build for checks this size. All of it is in
// the tests; this file only names the package.
package validate
