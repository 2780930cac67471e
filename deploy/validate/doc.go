// Package validate checks trawl's deployment files offline: the Kubernetes kustomization
// builds and every object in it decodes strictly into its API type (k8s.io/api, KEDA's
// ScaledObject), the settings that must agree across files do, every TRAWL_* variable the
// files set is a real flag, and the Grafana dashboard asks only for series that exist.
//
// It is its own module so that the stage modules never pull Kubernetes dependencies. All of it
// is in the tests; this file only names the package.
package validate
