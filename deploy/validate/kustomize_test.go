package validate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// kustomization is the part of kustomize.config.k8s.io/v1beta1 Kustomization that this reader
// applies the way `kubectl apply -k` would. It is decoded strictly: a field it does not apply
// (patches, generators, components, replicas...) fails the build rather than being ignored,
// so the reader and deploy/k8s/kustomization.yaml cannot drift apart unnoticed.
type kustomization struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace"`
	Labels     []struct {
		Pairs            map[string]string `json:"pairs"`
		IncludeSelectors bool              `json:"includeSelectors"`
		IncludeTemplates bool              `json:"includeTemplates"`
	} `json:"labels"`
	Resources []string `json:"resources"`
	Images    []struct {
		Name    string `json:"name"`
		NewName string `json:"newName"`
		NewTag  string `json:"newTag"`
		Digest  string `json:"digest"`
	} `json:"images"`
}

// load reads dir's kustomization and decodes every object strictly into its API type, applying
// the namespace, labels and images as kustomize does. It returns nil manifests only when the
// kustomization itself cannot be read; otherwise every problem found is in the error list.
func load(dir string) (*manifests, []error) {
	data, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		return nil, []error{err}
	}
	var k kustomization
	if err := strictYAML(data, &k); err != nil {
		return nil, []error{fmt.Errorf("kustomization.yaml: %w", err)}
	}
	if k.APIVersion != "kustomize.config.k8s.io/v1beta1" || k.Kind != "Kustomization" {
		return nil, []error{fmt.Errorf("kustomization.yaml is %s %s, want kustomize.config.k8s.io/v1beta1 Kustomization", k.APIVersion, k.Kind)}
	}
	for _, l := range k.Labels {
		// Both would rewrite selectors or pod templates, which this reader does not do.
		if l.IncludeSelectors || l.IncludeTemplates {
			return nil, []error{fmt.Errorf("kustomization.yaml: labels with includeSelectors or includeTemplates are not applied here; extend load()")}
		}
	}

	m := &manifests{
		deployments: map[string]*appsv1.Deployment{},
		hpas:        map[string]*autoscalingv2.HorizontalPodAutoscaler{},
		pdbs:        map[string]*policyv1.PodDisruptionBudget{},
		scaled:      map[string]*scaledObject{},
		configMaps:  map[string]*corev1.ConfigMap{},
		services:    map[string]*corev1.Service{},
		namespaces:  map[string]*corev1.Namespace{},
	}
	var errs []error
	seen := map[string]bool{}
	imageUsed := make([]bool, len(k.Images))
	for _, file := range k.Resources {
		path := filepath.Join(dir, file)
		if fi, err := os.Stat(path); err != nil {
			errs = append(errs, err)
			continue
		} else if fi.IsDir() {
			errs = append(errs, fmt.Errorf("resource %s is a directory (a kustomization of its own), which load() does not build", file))
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for i, doc := range splitYAML(data) {
			j, err := yaml.YAMLToJSONStrict(doc)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s document %d: %w", file, i+1, err))
				continue
			}
			if string(bytes.TrimSpace(j)) == "null" {
				continue // only comments, as kustomize skips too
			}
			var head struct {
				APIVersion string `json:"apiVersion"`
				Kind       string `json:"kind"`
				Metadata   struct {
					Name string `json:"name"`
				} `json:"metadata"`
			}
			if err := json.Unmarshal(j, &head); err != nil {
				errs = append(errs, fmt.Errorf("%s document %d: %w", file, i+1, err))
				continue
			}
			name := head.Metadata.Name
			if head.APIVersion == "" || head.Kind == "" || name == "" {
				errs = append(errs, fmt.Errorf("%s document %d: apiVersion, kind and metadata.name are required", file, i+1))
				continue
			}
			var obj metav1.Object
			switch head.APIVersion + "/" + head.Kind {
			case "v1/Namespace":
				o := &corev1.Namespace{}
				obj, m.namespaces[name] = o, o
			case "v1/ConfigMap":
				o := &corev1.ConfigMap{}
				obj, m.configMaps[name] = o, o
			case "v1/Service":
				o := &corev1.Service{}
				obj, m.services[name] = o, o
			case "apps/v1/Deployment":
				o := &appsv1.Deployment{}
				obj, m.deployments[name] = o, o
			case "autoscaling/v2/HorizontalPodAutoscaler":
				o := &autoscalingv2.HorizontalPodAutoscaler{}
				obj, m.hpas[name] = o, o
			case "policy/v1/PodDisruptionBudget":
				o := &policyv1.PodDisruptionBudget{}
				obj, m.pdbs[name] = o, o
			case "keda.sh/v1alpha1/ScaledObject":
				o := &scaledObject{}
				obj, m.scaled[name] = o, o
			default:
				errs = append(errs, fmt.Errorf("%s: no API type known for %s %s; add it to load()", name, head.APIVersion, head.Kind))
				continue
			}
			if err := strictJSON(j, obj); err != nil {
				errs = append(errs, fmt.Errorf("%s %s does not decode strictly: %w", head.Kind, name, err))
			}

			if k.Namespace != "" {
				if head.Kind == "Namespace" {
					// kustomize renames the Namespace object to the kustomization's namespace.
					obj.SetName(k.Namespace)
				} else {
					obj.SetNamespace(k.Namespace)
				}
			}
			if head.Kind != "Namespace" && obj.GetNamespace() != "trawl" {
				errs = append(errs, fmt.Errorf("%s %s is in namespace %q, want trawl", head.Kind, name, obj.GetNamespace()))
			}
			id := head.APIVersion + "/" + head.Kind + "/" + obj.GetNamespace() + "/" + obj.GetName()
			if seen[id] {
				errs = append(errs, fmt.Errorf("%s %s is declared twice", head.Kind, name))
			}
			seen[id] = true
			for _, l := range k.Labels {
				labels := obj.GetLabels()
				if labels == nil {
					labels = map[string]string{}
				}
				for key, v := range l.Pairs {
					labels[key] = v
				}
				obj.SetLabels(labels)
			}
			if d, ok := obj.(*appsv1.Deployment); ok {
				spec := &d.Spec.Template.Spec
				for _, cs := range [][]corev1.Container{spec.InitContainers, spec.Containers} {
					for c := range cs {
						for i, img := range k.Images {
							if newImage, ok := setImage(cs[c].Image, img.Name, img.NewName, img.NewTag, img.Digest); ok {
								cs[c].Image = newImage
								imageUsed[i] = true
								break
							}
						}
					}
				}
			}
		}
	}
	for i, used := range imageUsed {
		// kustomize ignores an entry that matches nothing, so a misspelt name would ship the
		// manifest's bare image name unnoticed.
		if !used {
			errs = append(errs, fmt.Errorf("kustomization.yaml: images entry %q matches no container image", k.Images[i].Name))
		}
	}
	return m, errs
}

// imageRef splits an image reference into name, tag and digest, as kustomize's image.Split
// does (a registry's :port is not a tag).
var imageRef = regexp.MustCompile(`^((?:[^/]*/)*[^:@/]+)(?::([^@/]*))?(?:@(.*))?$`)

// setImage applies one kustomize images entry to image, reporting whether the entry names it.
// A new tag or digest replaces both the old tag and the old digest, as in kustomize.
func setImage(image, name, newName, newTag, digest string) (string, bool) {
	p := imageRef.FindStringSubmatch(image)
	if p == nil || p[1] != name {
		return image, false
	}
	ref, tag, dig := p[1], p[2], p[3]
	if newName != "" {
		ref = newName
	}
	if newTag != "" || digest != "" {
		tag, dig = newTag, digest
	}
	if tag != "" {
		ref += ":" + tag
	}
	if dig != "" {
		ref += "@" + dig
	}
	return ref, true
}

// splitYAML splits a multi-document YAML stream where a line starts with "---" (followed by
// nothing but a comment), as kustomize and kubectl do.
func splitYAML(data []byte) [][]byte {
	var docs [][]byte
	start := 0
	off := 0
	for line := range bytes.Lines(data) {
		if rest, ok := bytes.CutPrefix(line, []byte("---")); ok {
			if rest = bytes.TrimSpace(rest); len(rest) == 0 || rest[0] == '#' {
				docs = append(docs, data[start:off])
				start = off + len(line)
			}
		}
		off += len(line)
	}
	return append(docs, data[start:])
}
