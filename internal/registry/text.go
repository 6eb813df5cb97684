package registry

import "fmt"

// hiddenRune reports the first character of s that a list cell must not
// hold: a control character other than tab (C0, DEL, C1) or a mark that
// changes the direction of text (U+061C, U+200E, U+200F, U+202A–U+202E,
// U+2066–U+2069). Such characters are invisible in Excel and on the card, so
// a name holding one looks like another person's name and prints differently
// from what the clerk checked.
func hiddenRune(s string) (rune, bool) {
	for _, r := range s {
		switch {
		case r == '\t':
		case r < 0x20, r >= 0x7F && r <= 0x9F,
			r == 0x061C, r == 0x200E, r == 0x200F,
			r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
			return r, true
		}
	}
	return 0, false
}

// checkText adds a control_character fault for every cell of p that holds a
// hidden character.
func checkText(p *parsed) {
	for c, s := range p.raw {
		if r, ok := hiddenRune(s); ok {
			p.faults = append(p.faults, fault{column(c), "control_character",
				fmt.Sprintf("“%s”含有看不见的控制字符（U+%04X），请删除后重新上传", columns[c].header, r)})
		}
	}
}
