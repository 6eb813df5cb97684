package card

import (
	"io"
	"testing"
)

func BenchmarkZZ1k(b *testing.B) {
	r := newRenderer(b)
	for i := 0; i < b.N; i++ {
		if err := r.Write(io.Discard, villageCards(1000)); err != nil {
			b.Fatal(err)
		}
	}
}
