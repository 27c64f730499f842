package osversion

// platformTable is every platform this package orders: its id (as the
// policy writes it), an example for error messages, and its parser. Each
// parser turns one vendor's naming rules into a comparison key; they live
// in one file per vendor family (cisco.go, vendors.go, appliances.go,
// numeric.go).
var platformTable = []*platform{
	{id: "ios", example: "15.2(7)E4", parse: parseIOS},
	{id: "ios-xe", example: "17.9.4a", parse: parseIOSXE, crossScheme: iosxeCrossScheme},
	{id: "nx-os", example: "9.3(10)", parse: parseNXOS},
	{id: "junos", example: "21.4R3-S5.4", parse: parseJunos},
	{id: "fortios", example: "7.2.8", parse: parseFortiOS},
	{id: "pan-os", example: "10.2.9-h1", parse: parsePANOS},
	{id: "eos", example: "4.30.2F", parse: parseEOS},
	{id: "routeros", example: "7.14.3", parse: parseRouterOS},
	{id: "gaia", example: "R81.20 Take 92", parse: parseGaia},

	// Security appliances (appliances.go).
	{id: "asa", example: "9.16(4)48", parse: parseASA},
	{id: "ftd", example: "7.2.5.1", parse: parseFTD},
	{id: "bigip", example: "17.1.1.3", parse: parseBIGIP},
	{id: "sonicos", example: "7.0.1-5145", parse: parseSonicOS},
	{id: "aos-cx", example: "FL.10.10.1060", parse: parseAOSCX},
	{id: "vrp", example: "V200R019C10SPC500", parse: parseVRP},
	{id: "opnsense", example: "24.7.9", parse: parseOPNsense},
	{id: "pfsense", example: "2.7.2", parse: parsePFSense, crossScheme: pfsenseCrossScheme},

	// os-release IDs: VERSION_ID is plain dotted numbers.
	{id: "debian", example: osReleaseExample, parse: parseNumeric},
	{id: "ubuntu", example: osReleaseExample, parse: parseNumeric},
	{id: "rhel", example: osReleaseExample, parse: parseNumeric},
	{id: "centos", example: osReleaseExample, parse: parseNumeric},
	{id: "rocky", example: osReleaseExample, parse: parseNumeric},
	{id: "almalinux", example: osReleaseExample, parse: parseNumeric},
	{id: "ol", example: osReleaseExample, parse: parseNumeric},
	{id: "fedora", example: osReleaseExample, parse: parseNumeric},
	{id: "sles", example: osReleaseExample, parse: parseNumeric},
	{id: "alpine", example: osReleaseExample, parse: parseNumeric},
}

const osReleaseExample = "12 or 22.04 (os-release VERSION_ID)"
