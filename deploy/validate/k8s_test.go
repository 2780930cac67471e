package validate

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/labels"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"

	"github.com/trawl-dev/trawl/kit/natsauth"
	"github.com/trawl-dev/trawl/schemas"
)

const k8sDir = "../k8s"

// manifests is the built kustomization, every object decoded into its API type (see load).
type manifests struct {
	deployments map[string]*appsv1.Deployment
	hpas        map[string]*autoscalingv2.HorizontalPodAutoscaler
	pdbs        map[string]*policyv1.PodDisruptionBudget
	scaled      map[string]*scaledObject
	configMaps  map[string]*corev1.ConfigMap
	services    map[string]*corev1.Service
	namespaces  map[string]*corev1.Namespace
}

// strictJSON decodes data into v as the API server's strict field validation does: field names
// match case-sensitively, and unknown or duplicate fields are errors. (encoding/json would take
// "httpget" for "httpGet".)
func strictJSON(data []byte, v any) error {
	strict, err := kjson.UnmarshalStrict(data, v)
	if err != nil {
		return err
	}
	return errors.Join(strict...)
}

// strictYAML is strictJSON for a YAML document (duplicate keys are errors too).
func strictYAML(data []byte, v any) error {
	j, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		return err
	}
	return strictJSON(j, v)
}

// build reads deploy/k8s as kustomize would (no kubectl, no kustomize binary) and decodes every
// object strictly; each problem is a test error.
func build(t *testing.T) *manifests {
	t.Helper()
	m, errs := load(k8sDir)
	for _, err := range errs {
		t.Error(err)
	}
	if m == nil {
		t.FailNow()
	}
	return m
}

// stage is what each trawl stage must have.
type stage struct {
	name string
	// probePort is the named port serving /readyz and /healthz.
	probePort string
	// autoscaler: "hpa" (CPU) or "keda" (JetStream consumer lag).
	autoscaler       string
	stream, consumer string
	preStop          bool
}

var stages = []stage{
	{name: "trawl-ingress", probePort: "http", autoscaler: "hpa", preStop: true},
	{name: "trawl-cache", probePort: "ops", autoscaler: "hpa"},
	{name: "trawl-fetcher", probePort: "ops", autoscaler: "keda", stream: schemas.StreamFetch, consumer: schemas.ConsumerFetch},
	{name: "trawl-parser", probePort: "ops", autoscaler: "keda", stream: schemas.StreamParse, consumer: schemas.ConsumerParse},
}

func TestKustomizationBuildsAndDecodesStrictly(t *testing.T) {
	m := build(t)
	if len(m.deployments) == 0 || len(m.scaled) == 0 {
		t.Fatalf("nothing decoded: %d deployments, %d scaled objects", len(m.deployments), len(m.scaled))
	}
}

// A strict decode must catch a misspelt field: the check the test relies on, checked.
func TestStrictDecodeRejectsUnknownFields(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		into any
	}{
		{"deployment", `{"apiVersion":"apps/v1","kind":"Deployment","spec":{"replica":3}}`, &appsv1.Deployment{}},
		{"probe", `{"spec":{"template":{"spec":{"containers":[{"name":"x","readinessProbe":{"httpget":{"path":"/readyz"}}}]}}}}`, &appsv1.Deployment{}},
		{"duplicate", `{"spec":{"minReadySeconds":1,"minReadySeconds":2}}`, &appsv1.Deployment{}},
		{"scaledobject", `{"spec":{"scaleTargetRef":{"name":"x"},"minReplicas":2}}`, &scaledObject{}},
		{"trigger", `{"spec":{"triggers":[{"type":"nats-jetstream","metadat":{}}]}}`, &scaledObject{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := strictJSON([]byte(tc.doc), tc.into); err == nil {
				t.Errorf("decoded %s without error", tc.doc)
			}
		})
	}
}

// load itself must fail on a broken copy of deploy/k8s: each case edits one file and names the
// error it must cause. The edit must apply, so a case cannot pass by no longer breaking anything.
func TestLoadRejectsBrokenManifests(t *testing.T) {
	tests := []struct {
		name, file, old, new, wantErr string
	}{
		{"misspelt probe field", "fetcher.yaml", "httpGet: {path: /readyz", "httpget: {path: /readyz", `unknown field "spec.template.spec.containers[0].readinessProbe.httpget"`},
		{"field in the wrong case", "parser.yaml", "maxReplicaCount: 20", "MaxReplicaCount: 20", `unknown field "spec.MaxReplicaCount"`},
		{"misspelt KEDA trigger field", "fetcher.yaml", "    - type: nats-jetstream\n      metadata:", "    - type: nats-jetstream\n      metadat:", `unknown field "spec.triggers[0].metadat"`},
		{"duplicate key", "cache.yaml", "terminationGracePeriodSeconds: 75", "terminationGracePeriodSeconds: 75\n      terminationGracePeriodSeconds: 30", `already set in map`},
		{"bad quantity", "ingress.yaml", "limits: {cpu: \"1\", memory: 256Mi}", "limits: {cpu: \"1\", memory: 256MB}", "quantities must match"},
		{"unknown kind", "redis.yaml", "kind: Service", "kind: Services", "no API type known for v1 Services"},
		{"duplicate object", "kustomization.yaml", "  - parser.yaml\n", "  - parser.yaml\n  - parser.yaml\n", "Deployment trawl-parser is declared twice"},
		{"missing resource", "kustomization.yaml", "  - parser.yaml\n", "  - parsers.yaml\n", "parsers.yaml: no such file"},
		{"kustomize field not applied", "kustomization.yaml", "images:\n", "replicas: [{name: trawl-parser, count: 3}]\nimages:\n", `unknown field "replicas"`},
		{"image entry matching nothing", "kustomization.yaml", "- name: trawl-parser\n", "- name: trawl-parsr\n", `images entry "trawl-parsr" matches no container image`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.CopyFS(dir, os.DirFS(k8sDir)); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, tc.file)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(data), tc.old) {
				t.Fatalf("%s no longer contains %q; pick another edit", tc.file, tc.old)
			}
			broken := strings.Replace(string(data), tc.old, tc.new, 1)
			if err := os.WriteFile(path, []byte(broken), 0o644); err != nil {
				t.Fatal(err)
			}
			_, errs := load(dir)
			if !slices.ContainsFunc(errs, func(err error) bool { return strings.Contains(err.Error(), tc.wantErr) }) {
				t.Errorf("errors %v, want one containing %q", errs, tc.wantErr)
			}
		})
	}
}

func TestStagesAreProductionReady(t *testing.T) {
	m := build(t)
	for _, st := range stages {
		t.Run(st.name, func(t *testing.T) {
			d := m.deployments[st.name]
			if d == nil {
				t.Fatalf("no Deployment %s", st.name)
			}
			sel, err := metaSelector(d.Spec.Selector.MatchLabels)
			if err != nil || !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
				t.Errorf("selector %v does not match the pod labels %v", d.Spec.Selector.MatchLabels, d.Spec.Template.Labels)
			}
			if d.Spec.Replicas != nil {
				t.Errorf("replicas is set (%d): the autoscaler owns the count, and an apply would reset it", *d.Spec.Replicas)
			}
			ps := d.Spec.Template.Spec
			if ps.TerminationGracePeriodSeconds == nil || *ps.TerminationGracePeriodSeconds < 30 {
				t.Errorf("terminationGracePeriodSeconds %v: a stage needs time to drain", ps.TerminationGracePeriodSeconds)
			}
			if len(ps.Containers) != 1 {
				t.Fatalf("%d containers, want 1", len(ps.Containers))
			}
			c := ps.Containers[0]
			for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
				req, lim := c.Resources.Requests[r], c.Resources.Limits[r]
				if req.IsZero() || lim.IsZero() {
					t.Errorf("%s: request %v, limit %v; both are required", r, req.String(), lim.String())
				} else if req.Cmp(lim) > 0 {
					t.Errorf("%s: request %v above limit %v", r, req.String(), lim.String())
				}
			}
			checkProbe(t, "readiness", c.ReadinessProbe, "/readyz", st.probePort, c.Ports)
			checkProbe(t, "liveness", c.LivenessProbe, "/healthz", st.probePort, c.Ports)
			if st.preStop && (c.Lifecycle == nil || c.Lifecycle.PreStop == nil) {
				t.Errorf("no preStop hook: the pod would stop before it leaves the Service's endpoints")
			}
			if c.SecurityContext == nil || c.SecurityContext.ReadOnlyRootFilesystem == nil || !*c.SecurityContext.ReadOnlyRootFilesystem {
				t.Errorf("root filesystem is writable")
			}
			if !slices.ContainsFunc(c.EnvFrom, func(e corev1.EnvFromSource) bool {
				return e.ConfigMapRef != nil && m.configMaps[e.ConfigMapRef.Name] != nil
			}) {
				t.Errorf("does not take the shared ConfigMap")
			}

			pdbs := 0
			for _, p := range m.pdbs {
				s, err := metaSelector(p.Spec.Selector.MatchLabels)
				if err == nil && s.Matches(labels.Set(d.Spec.Template.Labels)) {
					pdbs++
				}
			}
			if pdbs != 1 {
				t.Errorf("%d PodDisruptionBudgets select its pods, want 1", pdbs)
			}

			hpa, so := hpaFor(m, st.name), scaledFor(m, st.name)
			switch st.autoscaler {
			case "hpa":
				if so != nil || hpa == nil {
					t.Fatalf("want one HorizontalPodAutoscaler and no ScaledObject (hpa %v, scaled %v)", hpa != nil, so != nil)
				}
				if !slices.ContainsFunc(hpa.Spec.Metrics, func(ms autoscalingv2.MetricSpec) bool {
					return ms.Resource != nil && ms.Resource.Name == corev1.ResourceCPU
				}) {
					t.Errorf("the HorizontalPodAutoscaler does not scale on CPU")
				}
				if hpa.Spec.MinReplicas == nil || *hpa.Spec.MinReplicas < 2 {
					t.Errorf("minReplicas %v: one replica is no availability", hpa.Spec.MinReplicas)
				}
			case "keda":
				if hpa != nil || so == nil {
					t.Fatalf("want one ScaledObject and no HorizontalPodAutoscaler of its own (hpa %v, scaled %v)", hpa != nil, so != nil)
				}
				checkJetStreamTrigger(t, so, st)
			}
		})
	}
}

func checkProbe(t *testing.T, kind string, p *corev1.Probe, path, port string, ports []corev1.ContainerPort) {
	t.Helper()
	if p == nil || p.HTTPGet == nil {
		t.Errorf("%s probe: want an HTTP GET of %s", kind, path)
		return
	}
	if p.HTTPGet.Path != path || p.HTTPGet.Port.String() != port {
		t.Errorf("%s probe: GET %s on port %s, want %s on %s", kind, p.HTTPGet.Path, p.HTTPGet.Port.String(), path, port)
	}
	if !slices.ContainsFunc(ports, func(cp corev1.ContainerPort) bool { return cp.Name == port }) {
		t.Errorf("%s probe: the container declares no port named %s", kind, port)
	}
}

func checkJetStreamTrigger(t *testing.T, so *scaledObject, st stage) {
	t.Helper()
	if so.Spec.MinReplicaCount == nil || *so.Spec.MinReplicaCount < 2 {
		t.Errorf("minReplicaCount %v: one replica is no availability, and zero drops the consumer's pull", so.Spec.MinReplicaCount)
	}
	for _, tr := range so.Spec.Triggers {
		if tr.Type != "nats-jetstream" {
			continue
		}
		md := tr.Metadata
		if md["stream"] != st.stream || md["consumer"] != st.consumer {
			t.Errorf("nats-jetstream trigger on %s/%s, want %s/%s (schemas)", md["stream"], md["consumer"], st.stream, st.consumer)
		}
		for _, k := range []string{"natsServerMonitoringEndpoint", "account", "lagThreshold"} {
			if md[k] == "" {
				t.Errorf("nats-jetstream trigger without %s", k)
			}
		}
		return
	}
	t.Errorf("no nats-jetstream trigger")
}

func hpaFor(m *manifests, deployment string) *autoscalingv2.HorizontalPodAutoscaler {
	for _, h := range m.hpas {
		if h.Spec.ScaleTargetRef.Kind == "Deployment" && h.Spec.ScaleTargetRef.Name == deployment {
			return h
		}
	}
	return nil
}

func scaledFor(m *manifests, deployment string) *scaledObject {
	for _, s := range m.scaled {
		if s.Spec.ScaleTargetRef != nil && s.Spec.ScaleTargetRef.Name == deployment {
			return s
		}
	}
	return nil
}

func metaSelector(ml map[string]string) (labels.Selector, error) {
	if len(ml) == 0 {
		return nil, fmt.Errorf("empty selector")
	}
	return labels.SelectorFromSet(ml), nil
}

// fetcherLag ties the fetchers' KEDA target to their in-flight bound: lag per replica is jobs
// waiting plus jobs in hand, and one replica holds --fetch-concurrency of them.
func TestFetcherLagThresholdIsItsConcurrency(t *testing.T) {
	m := build(t)
	d, so := m.deployments["trawl-fetcher"], scaledFor(m, "trawl-fetcher")
	if d == nil || so == nil {
		t.Fatal("fetcher Deployment or ScaledObject missing")
	}
	conc := envValue(d.Spec.Template.Spec.Containers[0].Env, "TRAWL_FETCH_CONCURRENCY")
	for _, tr := range so.Spec.Triggers {
		if tr.Type == "nats-jetstream" && tr.Metadata["lagThreshold"] != conc {
			t.Errorf("lagThreshold %q, TRAWL_FETCH_CONCURRENCY %q: keep them equal", tr.Metadata["lagThreshold"], conc)
		}
	}
}

func envValue(env []corev1.EnvVar, name string) string {
	for _, e := range env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}

// natsValues mirrors the parts of the NATS chart's values that trawl sets, strictly, so a
// misspelt key fails here rather than being ignored by helm.
type natsValues struct {
	Config struct {
		Cluster struct {
			Enabled  bool `json:"enabled"`
			Replicas int  `json:"replicas"`
		} `json:"cluster"`
		JetStream struct {
			Enabled   bool `json:"enabled"`
			FileStore struct {
				Enabled bool `json:"enabled"`
				PVC     struct {
					Enabled bool   `json:"enabled"`
					Size    string `json:"size"`
				} `json:"pvc"`
			} `json:"fileStore"`
			MemoryStore struct {
				Enabled bool `json:"enabled"`
			} `json:"memoryStore"`
		} `json:"jetstream"`
		Monitor struct {
			Enabled bool `json:"enabled"`
			Port    int  `json:"port"`
		} `json:"monitor"`
		Merge map[string]any `json:"merge"`
	} `json:"config"`
	Container struct {
		// Env is the chart's map: a value is a string or {valueFrom: …}.
		Env   map[string]chartEnv `json:"env"`
		Merge struct {
			Command   []string                    `json:"command"`
			Resources corev1.ResourceRequirements `json:"resources"`
		} `json:"merge"`
	} `json:"container"`
	ConfigMap struct {
		Merge struct {
			Data map[string]string `json:"data"`
		} `json:"merge"`
	} `json:"configMap"`
	PodTemplate struct {
		TopologySpreadConstraints map[string]map[string]any `json:"topologySpreadConstraints"`
		Merge                     map[string]any            `json:"merge"`
	} `json:"podTemplate"`
	PodDisruptionBudget struct {
		Enabled bool `json:"enabled"`
	} `json:"podDisruptionBudget"`
	PromExporter struct {
		Enabled bool `json:"enabled"`
		Port    int  `json:"port"`
	} `json:"promExporter"`
	NatsBox struct {
		Enabled bool `json:"enabled"`
	} `json:"natsBox"`
}

// chartEnv is one entry of the NATS chart's container.env: a plain value, or a reference
// decoded strictly as Kubernetes decodes an EnvVarSource.
type chartEnv struct {
	Value     string
	ValueFrom *corev1.EnvVarSource
}

func (e *chartEnv) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &e.Value)
	}
	var v struct {
		ValueFrom *corev1.EnvVarSource `json:"valueFrom"`
	}
	if err := strictJSON(b, &v); err != nil {
		return err
	}
	if v.ValueFrom == nil {
		return errors.New("an env entry must be a string or {valueFrom: …}")
	}
	e.ValueFrom = v.ValueFrom
	return nil
}

func TestNATSValuesMatchTheManifests(t *testing.T) {
	data, err := os.ReadFile(k8sDir + "/nats-values.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var v natsValues
	if err := strictYAML(data, &v); err != nil {
		t.Fatalf("nats-values.yaml: %v", err)
	}
	if !v.Config.Cluster.Enabled || !v.Config.JetStream.Enabled || !v.Config.JetStream.FileStore.Enabled {
		t.Errorf("cluster %v, jetstream %v, file store %v: all must be on",
			v.Config.Cluster.Enabled, v.Config.JetStream.Enabled, v.Config.JetStream.FileStore.Enabled)
	}
	m := build(t)
	cfg := m.configMaps["trawl-config"]
	if cfg == nil {
		t.Fatal("no ConfigMap trawl-config")
	}
	if want := fmt.Sprint(v.Config.Cluster.Replicas); cfg.Data["TRAWL_STREAM_REPLICAS"] != want {
		t.Errorf("TRAWL_STREAM_REPLICAS %q, but the NATS cluster has %s servers", cfg.Data["TRAWL_STREAM_REPLICAS"], want)
	}
	// The servers read every user's password from the Secret the stages read theirs from.
	for _, u := range natsauth.Users() {
		e, ok := v.Container.Env[natsauth.EnvPasswordVar(u)]
		if !ok || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil || e.ValueFrom.SecretKeyRef.Key != u {
			t.Errorf("nats-values.yaml: %s is not taken from the Secret's key %q", natsauth.EnvPasswordVar(u), u)
		}
	}
	if v.ConfigMap.Merge.Data["accounts.conf"] == "" {
		t.Error("nats-values.yaml: the servers' ConfigMap carries no accounts.conf")
	}
	if v.Config.Cluster.Replicas < 3 {
		t.Errorf("%d NATS servers: replicated JetStream needs 3 to survive losing one", v.Config.Cluster.Replicas)
	}
	port := fmt.Sprintf(":%d", v.Config.Monitor.Port)
	for name, so := range m.scaled {
		for _, tr := range so.Spec.Triggers {
			if ep := tr.Metadata["natsServerMonitoringEndpoint"]; tr.Type == "nats-jetstream" && !strings.HasSuffix(ep, port) {
				t.Errorf("%s: monitoring endpoint %q is not on the chart's monitor port %s", name, ep, port)
			}
		}
	}
}
