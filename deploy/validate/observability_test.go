package validate

import (
	"encoding/json"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// promConfig mirrors the parts of deploy/prometheus.yml trawl uses, decoded strictly.
type promConfig struct {
	Global struct {
		ScrapeInterval     string `json:"scrape_interval"`
		EvaluationInterval string `json:"evaluation_interval"`
	} `json:"global"`
	RuleFiles     []string `json:"rule_files"`
	ScrapeConfigs []struct {
		JobName      string `json:"job_name"`
		MetricsPath  string `json:"metrics_path"`
		DNSSDConfigs []struct {
			Names           []string `json:"names"`
			Type            string   `json:"type"`
			Port            int      `json:"port"`
			RefreshInterval string   `json:"refresh_interval"`
		} `json:"dns_sd_configs"`
		StaticConfigs []struct {
			Targets []string `json:"targets"`
		} `json:"static_configs"`
		RelabelConfigs []struct {
			SourceLabels []string `json:"source_labels"`
			TargetLabel  string   `json:"target_label"`
		} `json:"relabel_configs"`
	} `json:"scrape_configs"`
}

// compose is the slice of docker-compose.yml this test reads.
type compose struct {
	Services map[string]struct {
		Build *struct {
			Args map[string]string `json:"args"`
		} `json:"build"`
		Environment map[string]string `json:"environment"`
		Scale       int               `json:"scale"`
	} `json:"services"`
}

func readYAML(t *testing.T, path string, v any, strict bool) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strict {
		err = strictYAML(data, v)
	} else {
		err = yaml.Unmarshal(data, v)
	}
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// Prometheus must scrape every stage service of the compose file, and only services that exist.
func TestPrometheusScrapesEveryComposeStage(t *testing.T) {
	var pc promConfig
	readYAML(t, "../prometheus.yml", &pc, true)
	var dc compose
	readYAML(t, "../../docker-compose.yml", &dc, false)

	scraped := map[string]bool{}
	for _, sc := range pc.ScrapeConfigs {
		for _, d := range sc.DNSSDConfigs {
			for _, n := range d.Names {
				scraped[n] = true
			}
		}
		for _, s := range sc.StaticConfigs {
			for _, tg := range s.Targets {
				host, _, err := net.SplitHostPort(tg)
				if err != nil {
					t.Errorf("target %q: %v", tg, err)
				}
				scraped[host] = true
			}
		}
	}
	for name := range scraped {
		if _, ok := dc.Services[name]; !ok {
			t.Errorf("prometheus.yml scrapes %q, which is no compose service", name)
		}
	}
	stages := 0
	for name, svc := range dc.Services {
		st := ""
		if svc.Build != nil {
			st = svc.Build.Args["STAGE"]
		}
		if st == "" || st == "all" {
			continue
		}
		stages++
		if !scraped[name] {
			t.Errorf("compose stage %q is not scraped", name)
		}
		if svc.Scale < 1 {
			t.Errorf("compose stage %q has no scale: (its replica count)", name)
		}
	}
	if stages != 4 {
		t.Errorf("%d stage services in docker-compose.yml, want 4", stages)
	}
}

var (
	metricInSource = regexp.MustCompile(`"(trawl_[a-z0-9_]+)"`)
	metricInExpr   = regexp.MustCompile(`\b((?:trawl|nats)_[a-z0-9_]+)\b`)
)

// natsSeries are the prometheus-nats-exporter series the dashboard may use (its jsz collector
// with -prefix=nats, as the Helm chart's sidecar and docker-compose.yml run it).
var natsSeries = []string{
	"nats_stream_total_messages", "nats_stream_total_bytes", "nats_stream_consumer_count",
	"nats_consumer_num_pending", "nats_consumer_num_ack_pending", "nats_consumer_num_redelivered",
	"nats_consumer_num_waiting", "nats_consumer_delivered_stream_seq",
}

// sourceMetrics is every trawl_* metric name registered in the stage and kit code.
func sourceMetrics(t *testing.T) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	for _, root := range []string{"../../services", "../../kit"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range metricInSource.FindAllSubmatch(data, -1) {
				names[string(m[1])] = true
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(names) == 0 {
		t.Fatal("no trawl_* metric found in the sources")
	}
	return names
}

// dashboard is the slice of a Grafana dashboard JSON this test reads.
type dashboard struct {
	UID    string  `json:"uid"`
	Title  string  `json:"title"`
	Panels []panel `json:"panels"`
}

type panel struct {
	Type       string `json:"type"`
	Title      string `json:"title"`
	Datasource *struct {
		UID string `json:"uid"`
	} `json:"datasource"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
	Panels []panel `json:"panels"`
}

// The dashboard asks only for series that exist, from the provisioned data source, and shows
// what the issue asks of it.
func TestDashboardQueriesExistingSeries(t *testing.T) {
	data, err := os.ReadFile("../grafana/dashboards/trawl.json")
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatalf("trawl.json: %v", err)
	}
	var ds struct {
		Datasources []struct {
			UID string `json:"uid"`
		} `json:"datasources"`
	}
	readYAML(t, "../grafana/provisioning/datasources/prometheus.yml", &ds, false)
	if len(ds.Datasources) != 1 {
		t.Fatalf("%d provisioned data sources, want 1", len(ds.Datasources))
	}
	uid := ds.Datasources[0].UID

	have := sourceMetrics(t)
	var titles []string
	var walk func(ps []panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			walk(p.Panels)
			if p.Type == "row" {
				continue
			}
			titles = append(titles, strings.ToLower(p.Title))
			if p.Datasource == nil || p.Datasource.UID != uid {
				t.Errorf("panel %q: data source is not the provisioned one (%s)", p.Title, uid)
			}
			if len(p.Targets) == 0 {
				t.Errorf("panel %q has no query", p.Title)
			}
			for _, tg := range p.Targets {
				for _, m := range metricInExpr.FindAllStringSubmatch(tg.Expr, -1) {
					name := m[1]
					if strings.HasPrefix(name, "nats_") {
						if !slices.Contains(natsSeries, name) {
							t.Errorf("panel %q: %s is not an exporter series", p.Title, name)
						}
						continue
					}
					base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, "_bucket"), "_sum"), "_count")
					if !have[name] && !have[base] {
						t.Errorf("panel %q: no code registers %s", p.Title, name)
					}
				}
			}
		}
	}
	walk(d.Panels)
	for _, want := range []string{"requests", "latency", "hit ratio", "queue depth", "consumer lag", "fetch outcomes", "breaker", "silent-empty", "field health"} {
		if !slices.ContainsFunc(titles, func(s string) bool { return strings.Contains(s, want) }) {
			t.Errorf("no panel about %q", want)
		}
	}
}

// alertRules mirrors deploy/prometheus-alerts.yml, decoded strictly.
type alertRules struct {
	Groups []struct {
		Name  string `json:"name"`
		Rules []struct {
			Alert       string            `json:"alert"`
			Expr        string            `json:"expr"`
			For         string            `json:"for"`
			Labels      map[string]string `json:"labels"`
			Annotations map[string]string `json:"annotations"`
		} `json:"rules"`
	} `json:"groups"`
}

// TestAlertRulesQueryExistingSeries: the alert rules file decodes strictly, Prometheus loads it
// (the path the compose file mounts it at), every rule queries series the code registers, and
// the silent-empty alarm has its rule.
func TestAlertRulesQueryExistingSeries(t *testing.T) {
	var pc promConfig
	readYAML(t, "../prometheus.yml", &pc, true)
	if !slices.Contains(pc.RuleFiles, "/etc/prometheus/alerts.yml") {
		t.Errorf("prometheus.yml loads %v, not /etc/prometheus/alerts.yml", pc.RuleFiles)
	}
	compose, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(compose), "./deploy/prometheus-alerts.yml:/etc/prometheus/alerts.yml") {
		t.Error("docker-compose.yml does not mount deploy/prometheus-alerts.yml where prometheus.yml loads it")
	}
	var ar alertRules
	readYAML(t, "../prometheus-alerts.yml", &ar, true)
	have := sourceMetrics(t)
	var names []string
	for _, g := range ar.Groups {
		for _, r := range g.Rules {
			names = append(names, r.Alert)
			if r.Expr == "" || r.Annotations["summary"] == "" {
				t.Errorf("rule %q: no expression or summary", r.Alert)
			}
			for _, m := range metricInExpr.FindAllStringSubmatch(r.Expr, -1) {
				if !have[m[1]] {
					t.Errorf("rule %q: no code registers %s", r.Alert, m[1])
				}
			}
		}
	}
	if !slices.Contains(names, "TrawlEngineDegraded") {
		t.Errorf("no alert on a degraded engine among %v", names)
	}
}
