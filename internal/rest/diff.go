package rest

import (
	"github.com/zhunongbao/zhunongbao/internal/money"
	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/store"
)

type householdRef struct {
	HouseholdNo string `json:"household_no"`
	RegionCode  string `json:"region_code"`
	VillageName string `json:"village_name"`
	Category    string `json:"category"`
	// IncomePerCapita (人均纯收入) and RiskEliminated (风险是否消除) are
	// null when the list leaves them empty; only the office and auditors
	// read lists.
	IncomePerCapita *string `json:"income_per_capita"`
	RiskEliminated  *bool   `json:"risk_eliminated"`
}

// changeJSON is one added, removed or changed thing: its state now (or,
// when removed, last), and for a change its state before and what differs.
type changeJSON[R any] struct {
	Now    R        `json:"now"`
	Old    *R       `json:"old,omitempty"`
	Fields []string `json:"fields,omitempty"`
}

func changeOut[T, R any](kind registry.ChangeKind, old, new T, fields []string, ref func(T) R) changeJSON[R] {
	switch kind {
	case registry.Removed:
		return changeJSON[R]{Now: ref(old)}
	case registry.Changed:
		o := ref(old)
		return changeJSON[R]{Now: ref(new), Old: &o, Fields: fields}
	}
	return changeJSON[R]{Now: ref(new)}
}

type memberRef struct {
	HouseholdNo string `json:"household_no"`
	IDNumber    string `json:"id_number"`
	Name        string `json:"name"`
	Relation    string `json:"relation"`
	Status      string `json:"status"`
	StatusDate  string `json:"status_date,omitempty"`
}

type diffSide struct {
	Households []changeJSON[householdRef] `json:"households"`
	Members    []changeJSON[memberRef]    `json:"members"`
}

type diffJSON struct {
	From    int64    `json:"from_list_id"`
	To      int64    `json:"to_list_id"`
	Added   diffSide `json:"added"`
	Removed diffSide `json:"removed"`
	Changed diffSide `json:"changed"`
}

func hhRef(h registry.Household) householdRef {
	r := householdRef{HouseholdNo: h.No, RegionCode: h.Region, VillageName: h.Village, Category: string(h.Category),
		RiskEliminated: h.RiskEliminated}
	if h.Income.Valid {
		v := money.String(h.Income.Decimal)
		r.IncomePerCapita = &v
	}
	return r
}

func diffOut(d *store.ListDiff, full bool, s *Server) diffJSON {
	mref := func(m registry.Member) memberRef {
		return memberRef{m.HouseholdNo, s.idOut(full, m.IDNumber), m.Name, m.Relation, string(m.Status), m.StatusDate.String()}
	}
	out := diffJSON{From: d.Old.ID, To: d.New.ID}
	sides := map[registry.ChangeKind]*diffSide{registry.Added: &out.Added, registry.Removed: &out.Removed, registry.Changed: &out.Changed}
	for _, sd := range sides {
		sd.Households, sd.Members = []changeJSON[householdRef]{}, []changeJSON[memberRef]{}
	}
	for _, h := range d.Households {
		sd := sides[h.Kind]
		sd.Households = append(sd.Households, changeOut(h.Kind, h.Old, h.New, h.Fields, hhRef))
	}
	for _, m := range d.Members {
		sd := sides[m.Kind]
		sd.Members = append(sd.Members, changeOut(m.Kind, m.Old, m.New, m.Fields, mref))
	}
	return out
}
