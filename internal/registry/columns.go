package registry

// ColumnHeader returns the Chinese header of a column by the identifier a
// reject report names it with (id_number → 身份证号); an identifier that is
// no column comes back as it is.
func ColumnHeader(id string) string {
	for _, c := range columns {
		if c.id == id {
			return c.header
		}
	}
	return id
}
