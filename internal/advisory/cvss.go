package advisory

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// CVSS3BaseScore computes the base score of a CVSS v3.0 or v3.1 vector
// ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" → 9.8) with the
// specification's formula and its Roundup. Temporal and environmental
// metrics may follow; they do not change the base score and are only
// checked for form.
func CVSS3BaseScore(vector string) (float64, error) {
	parts := strings.Split(vector, "/")
	if len(parts) < 9 || (parts[0] != "CVSS:3.0" && parts[0] != "CVSS:3.1") {
		return 0, errors.New("not a CVSS v3 vector")
	}
	m := map[string]string{}
	for _, p := range parts[1:] {
		k, v, ok := strings.Cut(p, ":")
		if !ok || k == "" || v == "" {
			return 0, errors.New("CVSS v3 vector: malformed metric")
		}
		if _, dup := m[k]; dup {
			return 0, fmt.Errorf("CVSS v3 vector: metric %s twice", nameOrQ(k))
		}
		m[k] = v
	}
	weight := func(metric string, table map[string]float64) (float64, error) {
		w, ok := table[m[metric]]
		if !ok {
			return 0, fmt.Errorf("CVSS v3 vector: missing or bad base metric %s", metric)
		}
		return w, nil
	}
	var errs []error
	get := func(metric string, table map[string]float64) float64 {
		w, err := weight(metric, table)
		errs = append(errs, err)
		return w
	}
	scope := m["S"]
	if scope != "U" && scope != "C" {
		return 0, errors.New("CVSS v3 vector: missing or bad base metric S")
	}
	pr := map[string]float64{"N": 0.85, "L": 0.62, "H": 0.27}
	if scope == "C" {
		pr = map[string]float64{"N": 0.85, "L": 0.68, "H": 0.5}
	}
	cia := map[string]float64{"H": 0.56, "L": 0.22, "N": 0}
	av := get("AV", map[string]float64{"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2})
	ac := get("AC", map[string]float64{"L": 0.77, "H": 0.44})
	p := get("PR", pr)
	ui := get("UI", map[string]float64{"N": 0.85, "R": 0.62})
	c, i, a := get("C", cia), get("I", cia), get("A", cia)
	for _, err := range errs {
		if err != nil {
			return 0, err
		}
	}
	for k := range m {
		if !cvss3Metrics[k] {
			return 0, fmt.Errorf("CVSS v3 vector: unknown metric %s", nameOrQ(k))
		}
	}
	iss := 1 - (1-c)*(1-i)*(1-a)
	var impact float64
	if scope == "U" {
		impact = 6.42 * iss
	} else {
		impact = 7.52*(iss-0.029) - 3.25*math.Pow(iss-0.02, 15)
	}
	if impact <= 0 {
		return 0, nil
	}
	exploitability := 8.22 * av * ac * p * ui
	if scope == "U" {
		return roundup(math.Min(impact+exploitability, 10)), nil
	}
	return roundup(math.Min(1.08*(impact+exploitability), 10)), nil
}

// cvss3Metrics are the metric names a v3 vector may carry.
var cvss3Metrics = map[string]bool{
	"AV": true, "AC": true, "PR": true, "UI": true, "S": true, "C": true, "I": true, "A": true,
	"E": true, "RL": true, "RC": true, "CR": true, "IR": true, "AR": true,
	"MAV": true, "MAC": true, "MPR": true, "MUI": true, "MS": true, "MC": true, "MI": true, "MA": true,
}

// roundup is CVSS v3.1's Roundup: the smallest one-decimal number not below
// x, computed on integers so that 4.000000001 does not become 4.1.
func roundup(x float64) float64 {
	n := int64(math.Round(x * 100000))
	if n%10000 == 0 {
		return float64(n) / 100000
	}
	return float64(n/10000+1) / 10
}

func nameOrQ(s string) string {
	if len(s) <= 4 && strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == "" {
		return s
	}
	return "?"
}
