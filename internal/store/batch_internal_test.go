package store

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// appendJSON writes what encoding/json would, as JSON values: the same
// value once decoded, whatever the text.
func TestAppendJSON(t *testing.T) {
	for _, tc := range []struct {
		name string
		v    any
	}{
		{"nil", nil},
		{"empty", ""},
		{"ascii", "JS-2024-000001"},
		{"chinese", "县人民医院 张三丰"},
		{"quote", `他说"好"`},
		{"backslash", `C:\path`},
		{"control", "a\nb\tc\x01"},
		{"html", "<a href='x'>&</a>"},
		{"line separator", "a\u2028b"},
		{"invalid utf8", "ab\xffcd"},
		{"invalid after chinese", "张\xe5"},
		{"int64", int64(-9007199254740993)},
		{"int", 42},
		{"int32", int32(7)},
		{"bool", true},
		{"float", 1.5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := appendJSON([]byte("x"), tc.v)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := json.Marshal(tc.v)
			if string(got[:1]) != "x" {
				t.Fatalf("appendJSON lost the buffer: %q", got)
			}
			var g, w any
			dec := func(b []byte, v *any) {
				d := json.NewDecoder(bytes.NewReader(b))
				d.UseNumber()
				if err := d.Decode(v); err != nil {
					t.Fatalf("%q: %v", b, err)
				}
			}
			dec(got[1:], &g)
			dec(want, &w)
			if !reflect.DeepEqual(g, w) {
				t.Errorf("appendJSON(%q) = %s, decodes to %#v; encoding/json %s, %#v", tc.v, got[1:], g, want, w)
			}
		})
	}
}
