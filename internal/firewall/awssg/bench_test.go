package awssg

import (
	"fmt"
	"strings"
	"testing"
)

// manyGroups is describe-security-groups output of n groups of 20
// permissions each, every fifth naming another group.
func manyGroups(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"SecurityGroups": [`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"GroupId": "sg-%017d", "GroupName": "g%d", "OwnerId": "111122223333", "IpPermissions": [`, i, i)
		for j := 0; j < 20; j++ {
			if j > 0 {
				b.WriteString(",")
			}
			if j%5 == 0 {
				fmt.Fprintf(&b, `{"IpProtocol": "tcp", "FromPort": %d, "ToPort": %d, "UserIdGroupPairs": [{"GroupId": "sg-%017d", "UserId": "111122223333"}]}`, 1000+j, 1000+j, (i+1)%n)
				continue
			}
			fmt.Fprintf(&b, `{"IpProtocol": "tcp", "FromPort": %d, "ToPort": %d, "IpRanges": [{"CidrIp": "10.%d.%d.0/24"}], "Ipv6Ranges": [{"CidrIpv6": "2001:db8:%x::/48"}]}`, 1000+j, 1010+j, i%256, j, i)
		}
		b.WriteString(`], "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}`)
	}
	b.WriteString("]}")
	return []byte(b.String())
}

func BenchmarkParse1kGroups(b *testing.B) {
	data := manyGroups(1000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("groups.json", data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRuleset1kGroups(b *testing.B) {
	g, err := Parse("groups.json", manyGroups(1000))
	if err != nil {
		b.Fatal(err)
	}
	var ids []string
	for _, grp := range g.List {
		ids = append(ids, grp.ID)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := g.Ruleset(ids, nil); err != nil {
			b.Fatal(err)
		}
	}
}
