package rest

import (
	"github.com/zhunongbao/zhunongbao/internal/registry"
	"github.com/zhunongbao/zhunongbao/internal/store"
)

type householdRef struct {
	HouseholdNo string `json:"household_no"`
	RegionCode  string `json:"region_code"`
	VillageName string `json:"village_name"`
	Category    string `json:"category"`
}

type householdChangeJSON struct {
	householdRef
	Old    *householdRef `json:"old,omitempty"`
	Fields []string      `json:"fields,omitempty"`
}

type memberRef struct {
	HouseholdNo string `json:"household_no"`
	IDNumber    string `json:"id_number"`
	Name        string `json:"name"`
	Relation    string `json:"relation"`
	Status      string `json:"status"`
	StatusDate  string `json:"status_date,omitempty"`
}

type memberChangeJSON struct {
	memberRef
	Old    *memberRef `json:"old,omitempty"`
	Fields []string   `json:"fields,omitempty"`
}

type diffSide struct {
	Households []householdChangeJSON `json:"households"`
	Members    []memberChangeJSON    `json:"members"`
}

type diffJSON struct {
	From    int64    `json:"from_list_id"`
	To      int64    `json:"to_list_id"`
	Added   diffSide `json:"added"`
	Removed diffSide `json:"removed"`
	Changed diffSide `json:"changed"`
}

func hhRef(h registry.Household) householdRef {
	return householdRef{h.No, h.Region, h.Village, string(h.Category)}
}

func diffOut(d *store.ListDiff, full bool, s *Server) diffJSON {
	mref := func(m registry.Member) memberRef {
		return memberRef{m.HouseholdNo, s.idOut(full, m.IDNumber), m.Name, m.Relation, string(m.Status), m.StatusDate.String()}
	}
	out := diffJSON{From: d.Old.ID, To: d.New.ID}
	sides := map[registry.ChangeKind]*diffSide{registry.Added: &out.Added, registry.Removed: &out.Removed, registry.Changed: &out.Changed}
	for _, sd := range sides {
		sd.Households, sd.Members = []householdChangeJSON{}, []memberChangeJSON{}
	}
	for _, h := range d.Households {
		sd := sides[h.Kind]
		var x householdChangeJSON
		switch h.Kind {
		case registry.Removed:
			x.householdRef = hhRef(h.Old)
		case registry.Changed:
			x.householdRef, x.Fields = hhRef(h.New), h.Fields
			old := hhRef(h.Old)
			x.Old = &old
		default:
			x.householdRef = hhRef(h.New)
		}
		sd.Households = append(sd.Households, x)
	}
	for _, m := range d.Members {
		sd := sides[m.Kind]
		var x memberChangeJSON
		switch m.Kind {
		case registry.Removed:
			x.memberRef = mref(m.Old)
		case registry.Changed:
			x.memberRef, x.Fields = mref(m.New), m.Fields
			old := mref(m.Old)
			x.Old = &old
		default:
			x.memberRef = mref(m.New)
		}
		sd.Members = append(sd.Members, x)
	}
	return out
}
