package firewall

// Ternary evaluation: a rule whose match the engine cannot evaluate (limit,
// quota, an unknown set ...) is followed both ways, matched and not. Each
// connection then ends in one or more fates; where they agree the fate is
// exact, and only where they differ is it unknown, naming the rule.

// maxBothWaysPieces bounds the pieces compared; past it every piece that
// took a guess is unknown, as before ternary evaluation.
const maxBothWaysPieces = 4096

// judgeBothWays turns the accepted pieces and the failed ones (which may
// overlap where a rule was taken both ways) into witnesses of the parts
// that are open in every case, closed in every case, and the rest.
func judgeBothWays(acc []piece, failed []decided, proto uint8) (open, closed, unknown *Witness) {
	var drops, unknowns []decided
	for _, d := range failed {
		if d.fate == fateDrop {
			drops = append(drops, d)
		} else {
			unknowns = append(unknowns, d)
		}
	}
	if len(acc)+len(failed) > maxBothWaysPieces {
		// Too many to compare: what took a guess is unknown.
		var sure []piece
		for _, a := range acc {
			if a.guess != nil {
				unknowns = append(unknowns, guessed(a, a.guess))
			} else {
				sure = append(sure, a)
			}
		}
		var sureDrops []decided
		for _, d := range drops {
			if d.p.guess != nil {
				unknowns = append(unknowns, guessed(d.p, d.p.guess))
			} else {
				sureDrops = append(sureDrops, d)
			}
		}
		acc, drops = sure, sureDrops
	}
	// unknown: the unknown pieces, and where an accepted and a dropped
	// piece meet and one of them took a guess.
	for _, a := range acc {
		for _, d := range drops {
			if a.guess == nil && d.p.guess == nil {
				continue // a multi-address DNAT: closed, below
			}
			if x, ok := boxMeet(a, d.p); ok {
				g := a.guess
				if g == nil {
					g = d.p.guess
				}
				unknowns = append(unknowns, guessed(x, g))
			}
		}
	}
	// open: accepted, and neither dropped nor unknown in any case.
	var lowOpen *piece
	for _, a := range acc {
		rest := []piece{a}
		for _, d := range drops {
			rest = minusAll(rest, d.p)
		}
		for _, u := range unknowns {
			rest = minusAll(rest, u.p)
		}
		for i := range rest {
			if lowOpen == nil || lower(rest[i], *lowOpen) {
				lowOpen = &rest[i]
			}
		}
	}
	// closed: dropped, not unknown, and (when it took a guess) never
	// accepted.
	var lowDrop *decided
	for _, d := range drops {
		rest := []piece{d.p}
		for _, u := range unknowns {
			rest = minusAll(rest, u.p)
		}
		for _, a := range acc {
			if d.p.guess != nil || a.guess != nil {
				rest = minusAll(rest, a)
			}
		}
		for _, r := range rest {
			if lowDrop == nil || lower(r, lowDrop.p) {
				x := d
				x.p = r
				lowDrop = &x
			}
		}
	}
	var lowUnknown *decided
	for i := range unknowns {
		if lowUnknown == nil || lower(unknowns[i].p, lowUnknown.p) {
			lowUnknown = &unknowns[i]
		}
	}
	if lowOpen != nil {
		w := witness(*lowOpen, proto, "", lowOpen.accept, lowOpen.acceptPos)
		open = &w
	}
	if lowDrop != nil {
		w := witness(lowDrop.p, proto, lowDrop.phase, lowDrop.rule, lowDrop.pos)
		closed = &w
	}
	if lowUnknown != nil {
		w := witness(lowUnknown.p, proto, lowUnknown.phase, lowUnknown.rule, lowUnknown.pos)
		w.Reason = lowUnknown.reason
		unknown = &w
	}
	return open, closed, unknown
}

// guessed is piece p made unknown by the rule of g: the verdict differs
// whether its match holds or not.
func guessed(p piece, g *guess) decided {
	return decided{p: p, fate: fateUnknown, rule: g.rule, pos: g.pos, phase: g.phase,
		reason: g.reason}
}

func minusAll(ps []piece, b piece) []piece {
	var out []piece
	for _, p := range ps {
		out = append(out, boxMinus(p, b)...)
	}
	return out
}

// boxMeet is the part of a (original coordinates) inside b.
func boxMeet(a, b piece) (piece, bool) {
	if !a.src.Overlaps(b.src) || !a.dst.Overlaps(b.dst) || !a.sport.Overlaps(b.sport) || !a.dport.Overlaps(b.dport) {
		return a, false
	}
	a.src, a.dst = a.src.Intersect(b.src), a.dst.Intersect(b.dst)
	a.sport, a.dport = a.sport.Intersect(b.sport), a.dport.Intersect(b.dport)
	return a, true
}
