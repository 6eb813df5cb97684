package policy

import "fmt"

// MasterPolicyNo numbers a master policy (统一保险单): "ZNB", the 6-digit
// county code, the 4-digit year the term starts and a 3-digit sequence of the
// county's agreements that year, e.g. ZNB5226252024001. Fixed widths keep
// numbers sortable and printable; a sequence beyond 999 widens rather than
// wraps, so numbers stay unique.
func MasterPolicyNo(county string, year int, seq int) string {
	return fmt.Sprintf("ZNB%s%04d%03d", county, year, seq)
}

// CertificateNo numbers a household's certificate (分户凭证): the master
// policy number, a hyphen and the 6-digit sequence of the household within
// the master policy, e.g. ZNB5226252024001-000001.
func CertificateNo(master string, householdSeq int) string {
	return fmt.Sprintf("%s-%06d", master, householdSeq)
}
