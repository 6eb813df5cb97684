package rest_test

import (
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/zhunongbao/zhunongbao/internal/store/storetest"
)

// TestOpenAPIMatchesRoutes keeps docs/openapi.yaml in step with the routes
// the server registers: every route is documented and every documented
// operation exists.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	b, err := os.ReadFile("../../docs/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("docs/openapi.yaml: %v", err)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	h := newHarness(t, storetest.SQLite(t))
	param := regexp.MustCompile(`:([a-z_]+)`)
	served := map[string]bool{}
	for _, r := range h.srv.App().GetRoutes(true) {
		if r.Method == "HEAD" || r.Path == "/" || strings.HasSuffix(r.Path, "*") {
			continue
		}
		served[r.Method+" "+param.ReplaceAllString(r.Path, "{$1}")] = true
	}
	var missing, stale []string
	for k := range served {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if !served[k] {
			stale = append(stale, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(stale)
	for _, k := range missing {
		t.Errorf("route not in docs/openapi.yaml: %s", k)
	}
	for _, k := range stale {
		t.Errorf("docs/openapi.yaml documents a route the server lacks: %s", k)
	}
}

// TestOpenAPIMeansWhatItSays reads docs/openapi.yaml as a client generator
// would: every operation has a summary and an operationId, and every
// response, parameter, request body and schema holds only the fields its
// object type defines. A flow-style entry whose text has an unquoted comma
// ({description: a, b}) parses as extra keys and fails here.
func TestOpenAPIMeansWhatItSays(t *testing.T) {
	b, err := os.ReadFile("../../docs/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("docs/openapi.yaml: %v", err)
	}
	c := &oasChecker{t: t, ids: map[string]string{}}
	components, _ := doc["components"].(map[string]any)
	for name, s := range asMap(components["schemas"]) {
		c.schema("components.schemas."+name, s)
	}
	for name, r := range asMap(components["responses"]) {
		c.response("components.responses."+name, r)
	}
	paths := asMap(doc["paths"])
	if len(paths) == 0 {
		t.Fatal("docs/openapi.yaml has no paths")
	}
	for path, item := range paths {
		for key, op := range asMap(item) {
			where := strings.ToUpper(key) + " " + path
			switch key {
			case "get", "put", "post", "delete", "patch", "head", "options":
				c.operation(where, op)
			case "parameters":
				c.parameters(path, op)
			case "summary", "description":
			default:
				t.Errorf("%s: %q is not a field of a path item", path, key)
			}
		}
	}
}

type oasChecker struct {
	t   *testing.T
	ids map[string]string // operationId → the operation that has it
}

// Fields each object type of OpenAPI 3.0 may hold.
var (
	oasOperation = fields("summary description operationId parameters requestBody responses security tags deprecated callbacks servers externalDocs")
	oasResponse  = fields("$ref description headers content links")
	oasParameter = fields("$ref name in description required deprecated allowEmptyValue style explode allowReserved schema example examples content")
	oasBody      = fields("$ref description content required")
	oasMedia     = fields("schema example examples encoding")
	oasSchema    = fields("$ref title multipleOf maximum exclusiveMaximum minimum exclusiveMinimum maxLength minLength pattern " +
		"maxItems minItems uniqueItems maxProperties minProperties required enum type allOf oneOf anyOf not items properties " +
		"additionalProperties description format default nullable discriminator readOnly writeOnly xml externalDocs example deprecated")
)

func fields(s string) map[string]bool {
	m := map[string]bool{}
	for _, f := range strings.Fields(s) {
		m[f] = true
	}
	return m
}

func asMap(v any) map[string]any { m, _ := v.(map[string]any); return m }

// object reports whether v is a mapping holding only allowed fields.
func (c *oasChecker) object(where, kind string, v any, allowed map[string]bool) map[string]any {
	m, ok := v.(map[string]any)
	if !ok {
		c.t.Errorf("%s: want a %s object, got %T %v", where, kind, v, v)
		return nil
	}
	for k, val := range m {
		if !allowed[k] {
			c.t.Errorf("%s: %q (= %v) is not a field of a %s object", where, k, val, kind)
		}
	}
	return m
}

func (c *oasChecker) operation(where string, v any) {
	op := c.object(where, "operation", v, oasOperation)
	if op == nil {
		return
	}
	if s, _ := op["summary"].(string); strings.TrimSpace(s) == "" {
		c.t.Errorf("%s: no summary", where)
	}
	if id, _ := op["operationId"].(string); id == "" {
		c.t.Errorf("%s: no operationId", where)
	} else if other, dup := c.ids[id]; dup {
		c.t.Errorf("%s: operationId %s is also %s's", where, id, other)
	} else {
		c.ids[id] = where
	}
	c.parameters(where, op["parameters"])
	if body, ok := op["requestBody"]; ok {
		if m := c.object(where+" requestBody", "request body", body, oasBody); m != nil {
			c.content(where+" requestBody", m["content"])
		}
	}
	responses := asMap(op["responses"])
	if len(responses) == 0 {
		c.t.Errorf("%s: no responses", where)
	}
	for code, r := range responses {
		c.response(where+" "+code, r)
	}
}

func (c *oasChecker) parameters(where string, v any) {
	if v == nil {
		return
	}
	list, ok := v.([]any)
	if !ok {
		c.t.Errorf("%s: parameters is %T, want a list", where, v)
		return
	}
	for _, p := range list {
		if m := c.object(where+" parameter", "parameter", p, oasParameter); m != nil {
			c.schema(fmt.Sprintf("%s parameter %v", where, m["name"]), m["schema"])
		}
	}
}

// response wants a description string or a $ref.
func (c *oasChecker) response(where string, v any) {
	m := c.object(where, "response", v, oasResponse)
	if m == nil {
		return
	}
	ref, _ := m["$ref"].(string)
	desc, _ := m["description"].(string)
	if ref == "" && strings.TrimSpace(desc) == "" {
		c.t.Errorf("%s: a response needs a description string or a $ref, got %v", where, m)
	}
	c.content(where, m["content"])
}

func (c *oasChecker) content(where string, v any) {
	for media, m := range asMap(v) {
		if mt := c.object(where+" "+media, "media type", m, oasMedia); mt != nil {
			c.schema(where+" "+media, mt["schema"])
		}
	}
}

func (c *oasChecker) schema(where string, v any) {
	if v == nil {
		return
	}
	m := c.object(where, "schema", v, oasSchema)
	for name, p := range asMap(m["properties"]) {
		c.schema(where+"."+name, p)
	}
	if items, ok := m["items"]; ok {
		c.schema(where+"[]", items)
	}
	if extra, ok := m["additionalProperties"].(map[string]any); ok {
		c.schema(where+"{}", extra)
	}
	for _, k := range []string{"allOf", "oneOf", "anyOf"} {
		list, _ := m[k].([]any)
		for i, s := range list {
			c.schema(fmt.Sprintf("%s.%s[%d]", where, k, i), s)
		}
	}
}
