//! The semantics of Sigma detections, pinned case by case after the examples and rules of the
//! specification (`../shared/sigma/spec/`: rules, modifiers appendix): each case is a detection,
//! a record's fields, and whether the rule matches. The texts are written here; the meanings are
//! the specification's.

use std::path::PathBuf;

use knox_hunt::{RuleSet, Skip};
use knox_model::sigma::{Category, Fields};

/// A rule of `category` with this `detection` block (YAML, indented by two spaces per level
/// below `detection:`).
fn rule(category: &str, detection: &str) -> RuleSet {
    let mut text = format!(
        "title: case\nid: 00000000-0000-0000-0000-000000000000\nauthor: knox tests\n\
         logsource:\n  product: macos\n  category: {category}\nlevel: high\ndetection:\n"
    );
    for line in detection.lines() {
        text.push_str("  ");
        text.push_str(line);
        text.push('\n');
    }
    RuleSet::from_texts(&[(PathBuf::from("case.yml"), text)])
}

fn category(name: &str) -> Category {
    Category::parse(name).expect("a category")
}

/// (what the case shows, category, detection, record fields, matches)
type Case = (
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
    bool,
);

const P: &str = "process_creation";
const N: &str = "network_connection";
const F: &str = "file_event";

const CASES: &[Case] = &[
    // Plain values: whole-value equality, case-insensitive.
    ("equal", P, "sel:\n  Image: /usr/bin/curl\ncondition: sel", &[("Image", "/usr/bin/curl")], true),
    ("equal ignores case", P, "sel:\n  Image: /usr/bin/curl\ncondition: sel", &[("Image", "/USR/BIN/Curl")], true),
    ("equal is whole", P, "sel:\n  Image: /usr/bin/curl\ncondition: sel", &[("Image", "/usr/bin/curl2")], false),
    ("equal needs the field", P, "sel:\n  Image: /usr/bin/curl\ncondition: sel", &[("CommandLine", "/usr/bin/curl")], false),
    // Lists are OR, maps are AND, lists of maps OR of ANDs.
    ("list is or", P, "sel:\n  Image:\n    - /bin/sh\n    - /bin/zsh\ncondition: sel", &[("Image", "/bin/zsh")], true),
    ("list is or, none", P, "sel:\n  Image:\n    - /bin/sh\n    - /bin/zsh\ncondition: sel", &[("Image", "/bin/bash")], false),
    ("map is and", P, "sel:\n  Image: /bin/sh\n  User: root\ncondition: sel", &[("Image", "/bin/sh"), ("User", "root")], true),
    ("map is and, one false", P, "sel:\n  Image: /bin/sh\n  User: root\ncondition: sel", &[("Image", "/bin/sh"), ("User", "alice")], false),
    ("list of maps", P, "sel:\n  - Image: /bin/sh\n    User: root\n  - Image: /bin/zsh\ncondition: sel", &[("Image", "/bin/zsh"), ("User", "alice")], true),
    ("list of maps, none", P, "sel:\n  - Image: /bin/sh\n    User: root\n  - Image: /bin/zsh\ncondition: sel", &[("Image", "/bin/sh"), ("User", "alice")], false),
    // Wildcards and their escapes.
    ("star", P, "sel:\n  Image: '/usr/*/curl'\ncondition: sel", &[("Image", "/usr/local/bin/curl")], true),
    ("star may be empty", P, "sel:\n  Image: '/usr/*curl'\ncondition: sel", &[("Image", "/usr/curl")], true),
    ("question mark is one character", P, "sel:\n  Image: '/bin/?sh'\ncondition: sel", &[("Image", "/bin/zsh")], true),
    ("question mark is exactly one", P, "sel:\n  Image: '/bin/?sh'\ncondition: sel", &[("Image", "/bin/bash")], false),
    ("escaped star is a star", P, "sel:\n  CommandLine: 'echo \\*'\ncondition: sel", &[("CommandLine", "echo *")], true),
    ("escaped star is not a wildcard", P, "sel:\n  CommandLine: 'echo \\*'\ncondition: sel", &[("CommandLine", "echo hello")], false),
    ("escaped question mark", P, "sel:\n  CommandLine: 'what\\?'\ncondition: sel", &[("CommandLine", "whats")], false),
    ("escaped backslash then wildcard", P, "sel:\n  CommandLine: 'a\\\\*'\ncondition: sel", &[("CommandLine", "a\\bcd")], true),
    ("a lone backslash is itself", P, "sel:\n  CommandLine: 'C:\\Windows'\ncondition: sel", &[("CommandLine", "C:\\Windows")], true),
    // contains, startswith, endswith.
    ("contains", P, "sel:\n  CommandLine|contains: ' -d '\ncondition: sel", &[("CommandLine", "curl -d @/etc/passwd x")], true),
    ("contains ignores case", P, "sel:\n  CommandLine|contains: 'LaunchAgents'\ncondition: sel", &[("CommandLine", "cp x ~/library/launchagents/")], true),
    ("contains, absent", P, "sel:\n  CommandLine|contains: ' -d '\ncondition: sel", &[("CommandLine", "curl -o x")], false),
    ("startswith", P, "sel:\n  Image|startswith: /tmp/\ncondition: sel", &[("Image", "/tmp/payload")], true),
    ("startswith, later", P, "sel:\n  Image|startswith: /tmp/\ncondition: sel", &[("Image", "/private/tmp/payload")], false),
    ("endswith", P, "sel:\n  Image|endswith: /osascript\ncondition: sel", &[("Image", "/usr/bin/osascript")], true),
    ("endswith, not at the end", P, "sel:\n  Image|endswith: /osascript\ncondition: sel", &[("Image", "/usr/bin/osascript2")], false),
    ("contains with inner wildcard", P, "sel:\n  CommandLine|contains: 'curl*|*sh'\ncondition: sel", &[("CommandLine", "x; curl http://e | bash")], true),
    ("contains with inner wildcard, order", P, "sel:\n  CommandLine|contains: 'curl*|*sh'\ncondition: sel", &[("CommandLine", "sh | curl")], false),
    // all: the list is AND.
    ("contains all", P, "sel:\n  CommandLine|contains|all:\n    - ' -a '\n    - ' -b '\ncondition: sel", &[("CommandLine", "x -b -a y")], true),
    ("contains all, one missing", P, "sel:\n  CommandLine|contains|all:\n    - ' -a '\n    - ' -b '\ncondition: sel", &[("CommandLine", "x -a y")], false),
    // cased.
    ("cased", P, "sel:\n  CommandLine|cased: Hello\ncondition: sel", &[("CommandLine", "Hello")], true),
    ("cased refuses another case", P, "sel:\n  CommandLine|cased: Hello\ncondition: sel", &[("CommandLine", "hello")], false),
    ("contains cased", P, "sel:\n  CommandLine|contains|cased: '-X'\ncondition: sel", &[("CommandLine", "tool -x")], false),
    // Empty and null values.
    ("empty value", P, "sel:\n  CommandLine: ''\ncondition: sel", &[("Image", "/bin/sh"), ("CommandLine", "")], true),
    ("empty value, not empty", P, "sel:\n  CommandLine: ''\ncondition: sel", &[("CommandLine", "sh")], false),
    ("null: no value", P, "sel:\n  Image: /bin/sh\nfilter:\n  User: null\ncondition: sel and not filter", &[("Image", "/bin/sh")], false),
    ("null: a value", P, "sel:\n  Image: /bin/sh\nfilter:\n  User: null\ncondition: sel and not filter", &[("Image", "/bin/sh"), ("User", "root")], true),
    // exists.
    ("exists true", P, "sel:\n  ParentImage|exists: true\ncondition: sel", &[("ParentImage", "/bin/sh")], true),
    ("exists true, absent", P, "sel:\n  ParentImage|exists: true\ncondition: sel", &[("Image", "/bin/sh")], false),
    ("exists false", P, "sel:\n  ParentImage|exists: false\ncondition: sel", &[("Image", "/bin/sh")], true),
    ("exists holds for an empty value", P, "sel:\n  CommandLine|exists: true\ncondition: sel", &[("CommandLine", "")], true),
    // neq.
    ("neq", P, "sel:\n  User|neq: root\ncondition: sel", &[("User", "alice")], true),
    ("neq, equal", P, "sel:\n  User|neq: root\ncondition: sel", &[("User", "ROOT")], false),
    // windash: '-' and '/' and the dashes are interchangeable.
    ("windash slash", P, "sel:\n  CommandLine|windash|contains: ' -enc '\ncondition: sel", &[("CommandLine", "ps /enc x")], true),
    ("windash en dash", P, "sel:\n  CommandLine|windash|contains: ' -enc '\ncondition: sel", &[("CommandLine", "ps \u{2013}enc x")], true),
    ("windash horizontal bar", P, "sel:\n  CommandLine|windash|contains: ' -enc '\ncondition: sel", &[("CommandLine", "ps \u{2015}enc x")], true),
    ("windash, other flag", P, "sel:\n  CommandLine|windash|contains: ' -enc '\ncondition: sel", &[("CommandLine", "ps +enc x")], false),
    // Regular expressions: case-sensitive unless i; m and s as PCRE's.
    ("re", P, "sel:\n  CommandLine|re: 'curl .*\\| *(ba)?sh$'\ncondition: sel", &[("CommandLine", "curl http://x | bash")], true),
    ("re is unanchored", P, "sel:\n  CommandLine|re: 'b+'\ncondition: sel", &[("CommandLine", "abbbc")], true),
    ("re is cased", P, "sel:\n  CommandLine|re: 'Curl'\ncondition: sel", &[("CommandLine", "curl")], false),
    ("re i", P, "sel:\n  CommandLine|re|i: 'Curl'\ncondition: sel", &[("CommandLine", "curl")], true),
    ("re without m: ^ is the start", P, "sel:\n  CommandLine|re: '^two'\ncondition: sel", &[("CommandLine", "one\ntwo")], false),
    ("re m: ^ starts a line", P, "sel:\n  CommandLine|re|m: '^two'\ncondition: sel", &[("CommandLine", "one\ntwo")], true),
    ("re without s: dot stops at newline", P, "sel:\n  CommandLine|re: 'one.two'\ncondition: sel", &[("CommandLine", "one\ntwo")], false),
    ("re s: dot takes newline", P, "sel:\n  CommandLine|re|s: 'one.two'\ncondition: sel", &[("CommandLine", "one\ntwo")], true),
    // base64 and base64offset (of what appears encoded in the field).
    ("base64", P, "sel:\n  CommandLine|base64|contains: 'http://'\ncondition: sel", &[("CommandLine", "echo aHR0cDovLw== | base64 -d")], true),
    ("base64, other text", P, "sel:\n  CommandLine|base64|contains: 'http://'\ncondition: sel", &[("CommandLine", "echo aHR0cHM6Ly8= | base64 -d")], false),
    // "curl" at offsets 0, 1 and 2 of an encoded text.
    ("base64offset 0", P, "sel:\n  CommandLine|base64offset|contains: 'curl'\ncondition: sel", &[("CommandLine", "echo Y3VybCBodHRw | base64 -D")], true),
    ("base64offset 1", P, "sel:\n  CommandLine|base64offset|contains: 'curl'\ncondition: sel", &[("CommandLine", "echo IGN1cmwgaHR0cA== | base64 -D")], true),
    ("base64offset 2", P, "sel:\n  CommandLine|base64offset|contains: 'curl'\ncondition: sel", &[("CommandLine", "echo ICBjdXJsIGh0dHA= | base64 -D")], true),
    ("base64offset, absent", P, "sel:\n  CommandLine|base64offset|contains: 'curl'\ncondition: sel", &[("CommandLine", "echo d2dldCBodHRw | base64 -D")], false),
    // Numbers.
    ("lt", P, "sel:\n  ProcessId|lt: 100\ncondition: sel", &[("ProcessId", "99")], true),
    ("lt, equal", P, "sel:\n  ProcessId|lt: 100\ncondition: sel", &[("ProcessId", "100")], false),
    ("lte", P, "sel:\n  ProcessId|lte: 100\ncondition: sel", &[("ProcessId", "100")], true),
    ("gt", P, "sel:\n  ProcessId|gt: 100\ncondition: sel", &[("ProcessId", "101")], true),
    ("gte, less", P, "sel:\n  ProcessId|gte: 100\ncondition: sel", &[("ProcessId", "7")], false),
    ("gt, not a number", P, "sel:\n  ProcessId|gt: 100\ncondition: sel", &[("ProcessId", "many")], false),
    ("a number equals its text", N, "sel:\n  DestinationPort: 4444\ncondition: sel", &[("DestinationPort", "4444")], true),
    // cidr, IPv4 and IPv6.
    ("cidr v4", N, "sel:\n  DestinationIp|cidr: 10.0.0.0/8\ncondition: sel", &[("DestinationIp", "10.20.30.40")], true),
    ("cidr v4, outside", N, "sel:\n  DestinationIp|cidr: 10.0.0.0/8\ncondition: sel", &[("DestinationIp", "11.0.0.1")], false),
    ("cidr v6", N, "sel:\n  DestinationIp|cidr: 'fd00::/8'\ncondition: sel", &[("DestinationIp", "fd12::1")], true),
    ("cidr v6 is not v4", N, "sel:\n  DestinationIp|cidr: 'fd00::/8'\ncondition: sel", &[("DestinationIp", "10.0.0.1")], false),
    ("cidr list", N, "sel:\n  DestinationIp|cidr:\n    - 10.0.0.0/8\n    - 192.168.0.0/16\ncondition: sel", &[("DestinationIp", "192.168.1.1")], true),
    // fieldref.
    ("fieldref", P, "sel:\n  Image|fieldref: ParentImage\ncondition: sel", &[("Image", "/bin/sh"), ("ParentImage", "/bin/SH")], true),
    ("fieldref, different", P, "sel:\n  Image|fieldref: ParentImage\ncondition: sel", &[("Image", "/bin/sh"), ("ParentImage", "/bin/zsh")], false),
    ("fieldref endswith", P, "sel:\n  CommandLine|fieldref|endswith: Image\ncondition: sel", &[("CommandLine", "exec /bin/sh"), ("Image", "/bin/sh")], true),
    ("fieldref neq", P, "sel:\n  Image|fieldref|neq: ParentImage\ncondition: sel", &[("Image", "/bin/sh"), ("ParentImage", "/bin/zsh")], true),
    // Keywords: values without a field, searched in every field.
    ("keywords", P, "keywords:\n  - mimikatz\n  - lazagne\ncondition: keywords", &[("Image", "/tmp/x"), ("CommandLine", "run LaZagne all")], true),
    ("keywords, none", P, "keywords:\n  - mimikatz\ncondition: keywords", &[("CommandLine", "ls")], false),
    // Conditions.
    ("and", P, "a:\n  Image: /bin/sh\nb:\n  User: root\ncondition: a and b", &[("Image", "/bin/sh"), ("User", "root")], true),
    ("or", P, "a:\n  Image: /bin/sh\nb:\n  User: root\ncondition: a or b", &[("Image", "/bin/ls"), ("User", "root")], true),
    ("not", P, "a:\n  Image: /bin/sh\nb:\n  User: root\ncondition: a and not b", &[("Image", "/bin/sh"), ("User", "root")], false),
    ("and binds tighter than or", P, "a:\n  Image: /bin/sh\nb:\n  User: root\nc:\n  ProcessId: 1\ncondition: a or b and c", &[("Image", "/bin/sh")], true),
    ("parentheses", P, "a:\n  Image: /bin/sh\nb:\n  User: root\nc:\n  ProcessId: 1\ncondition: (a or b) and c", &[("Image", "/bin/sh")], false),
    ("not binds tighter than and", P, "a:\n  Image: /bin/sh\nb:\n  User: root\ncondition: not a and b", &[("Image", "/bin/ls"), ("User", "root")], true),
    ("1 of wildcard", P, "sel_a:\n  Image: /bin/sh\nsel_b:\n  User: root\nother:\n  ProcessId: 1\ncondition: 1 of sel_*", &[("User", "root")], true),
    ("1 of wildcard leaves others out", P, "sel_a:\n  Image: /bin/sh\nsel_b:\n  User: root\nother:\n  ProcessId: 1\ncondition: 1 of sel_*", &[("ProcessId", "1")], false),
    ("all of wildcard", P, "sel_a:\n  Image: /bin/sh\nsel_b:\n  User: root\ncondition: all of sel_*", &[("Image", "/bin/sh")], false),
    ("all of wildcard, all", P, "sel_a:\n  Image: /bin/sh\nsel_b:\n  User: root\ncondition: all of sel_*", &[("Image", "/bin/sh"), ("User", "root")], true),
    ("1 of them", P, "a:\n  Image: /bin/sh\nb:\n  User: root\ncondition: 1 of them", &[("User", "root")], true),
    ("all of them", P, "a:\n  Image: /bin/sh\nb:\n  User: root\ncondition: all of them", &[("User", "root")], false),
    ("not 1 of filters", P, "sel:\n  Image|endswith: /curl\nfilter_a:\n  ParentImage: /bin/zsh\nfilter_b:\n  User: root\ncondition: sel and not 1 of filter_*", &[("Image", "/usr/bin/curl"), ("User", "root")], false),
    ("a list of conditions is their or", P, "a:\n  Image: /bin/sh\nb:\n  User: root\ncondition:\n  - a\n  - b", &[("User", "root")], true),
    // Categories: a rule sees only records of its category.
    ("another category", F, "sel:\n  Image: /bin/sh\ncondition: sel", &[("Image", "/bin/sh")], false),
];

#[test]
fn detections_mean_what_the_specification_says() {
    let mut wrong = Vec::new();
    for &(what, cat, detection, values, expected) in CASES {
        let set = rule(cat, detection);
        assert!(
            set.skipped.is_empty() && set.rules.len() == 1,
            "{what}: not loaded: {:?}",
            set.skipped
        );
        // Records are of the category their fields name (file_event rules get process fields).
        let record_category = if cat == F { category(P) } else { category(cat) };
        let fields = Fields::new(record_category, values);
        assert_eq!(
            fields.iter().count(),
            values.len(),
            "{what}: a field is not of {cat}"
        );
        let got = !set.matches(&fields).is_empty();
        if got != expected {
            wrong.push(format!("{what}: expected {expected}, got {got}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// (what, detection, the reason's words): rules that must be refused, never run half.
const REFUSED: &[(&str, &str, &str)] = &[
    (
        "utf16 modifier",
        "sel:\n  CommandLine|utf16le|base64: cmd\ncondition: sel",
        "utf16le",
    ),
    (
        "unknown modifier",
        "sel:\n  CommandLine|sparkle: x\ncondition: sel",
        "sparkle",
    ),
    (
        "field BSM lacks",
        "sel:\n  OriginalFileName: curl\ncondition: sel",
        "OriginalFileName",
    ),
    (
        "unknown identifier",
        "sel:\n  Image: x\ncondition: sel and missing",
        "missing",
    ),
    (
        "unbalanced parenthesis",
        "sel:\n  Image: x\ncondition: (sel",
        "condition",
    ),
    (
        "aggregation",
        "sel:\n  Image: x\ncondition: sel | count() > 5",
        "aggregation",
    ),
    (
        "null in a list",
        "sel:\n  Image:\n    - x\n    - null\ncondition: sel",
        "null",
    ),
    (
        "re that does not compile",
        "sel:\n  Image|re: '(x'\ncondition: sel",
        "re",
    ),
    (
        "bad cidr",
        "sel:\n  Image|cidr: 10.0.0.0/99\ncondition: sel",
        "CIDR",
    ),
    ("no condition", "sel:\n  Image: x", "condition"),
];

#[test]
fn rules_that_cannot_be_evaluated_are_refused_with_the_reason() {
    for &(what, detection, words) in REFUSED {
        let set = rule(P, detection);
        assert!(set.rules.is_empty(), "{what}: loaded");
        let [one] = set.skipped.as_slice() else {
            panic!("{what}: {:?}", set.skipped)
        };
        assert!(
            matches!(one.why, Skip::Invalid(_) | Skip::Unsupported(_)),
            "{what}: {:?}",
            one.why
        );
        assert!(
            one.why.why().contains(words),
            "{what}: {:?} does not say {words}",
            one.why
        );
        assert_eq!(one.title.as_deref(), Some("case"), "{what}");
    }
}

#[test]
fn logsources_that_are_not_bsm_are_set_aside_not_refused() {
    for (product, category, service) in [
        ("windows", "process_creation", None),
        ("linux", "file_event", None),
        ("macos", "dns_query", None),
        ("macos", "process_creation", Some("sysmon")),
    ] {
        let text = format!(
            "title: t\nlogsource:\n  product: {product}\n  category: {category}\n{}detection:\n  sel:\n    Image: x\n  condition: sel\n",
            service.map(|s| format!("  service: {s}\n")).unwrap_or_default()
        );
        let set = RuleSet::from_texts(&[(PathBuf::from("t.yml"), text)]);
        assert!(set.rules.is_empty());
        assert!(
            matches!(set.skipped[0].why, Skip::OtherLogsource(_)),
            "{product} {category}: {:?}",
            set.skipped[0].why
        );
    }
    // FreeBSD and no product are BSM's.
    for product in ["freebsd", ""] {
        let text = format!(
            "title: t\nlogsource:\n{}  category: process_creation\ndetection:\n  sel:\n    Image: x\n  condition: sel\n",
            if product.is_empty() { String::new() } else { format!("  product: {product}\n") }
        );
        let set = RuleSet::from_texts(&[(PathBuf::from("t.yml"), text)]);
        assert_eq!(set.rules.len(), 1, "{product:?}: {:?}", set.skipped);
    }
}

#[test]
fn yaml_that_does_not_parse_is_invalid_and_named() {
    let set = RuleSet::from_texts(&[(PathBuf::from("broken.yml"), "title: [unclosed\n".into())]);
    assert!(matches!(set.skipped[0].why, Skip::Invalid(ref w) if w.starts_with("YAML")));
    assert_eq!(set.skipped[0].path, PathBuf::from("broken.yml"));
}

/// One pass per field: a record is matched against many rules on one field at once, and each
/// rule still gets its own answer.
#[test]
fn many_rules_on_one_field_each_answer_for_themselves() {
    let docs: Vec<(PathBuf, String)> = (0..300)
        .map(|i| {
            (
                PathBuf::from(format!("r{i}.yml")),
                format!(
                    "title: r{i}\nlogsource:\n  product: macos\n  category: process_creation\n\
                     detection:\n  sel:\n    CommandLine|contains: ' --flag-{i} '\n  condition: sel\n"
                ),
            )
        })
        .collect();
    let set = RuleSet::from_texts(&docs);
    assert_eq!(set.rules.len(), 300);
    let fields = Fields::new(
        category(P),
        &[("CommandLine", "tool --flag-7 --flag-170 --flag-299 ")],
    );
    let titles: Vec<&str> = set
        .matches(&fields)
        .into_iter()
        .map(|i| set.rules[i].meta.title.as_str())
        .collect();
    assert_eq!(titles, ["r7", "r170", "r299"]);
}
