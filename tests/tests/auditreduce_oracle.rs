//! knox auditreduce against OpenBSM's auditreduce (`../shared/oracle/auditreduce/runs.tsv`).
//! auditreduce applies its criteria only to some header kinds (header32 always; header32_ex for
//! some criteria; all kinds for -o) and only to subject32/process32 tokens, not their 64-bit and
//! _ex variants. knox applies every criterion to every record and every variant. So the test
//! checks two things: on every record, knox selects exactly what the rule (evaluated here,
//! independently, on the decoded tokens) selects; and on header32 records, auditreduce selected
//! exactly what the same rule selects when it sees only the 32-bit, non-_ex tokens.

use bsm_format::{records, Record, RecordKind, Token};
use knox::cli::ReduceArgs;
use knox::filter::{Filter, IdNames};
use knox_tests::oracle;

struct NoNames;
impl IdNames for NoNames {
    fn uid(&self, _: &str) -> Option<u32> {
        None
    }
    fn gid(&self, _: &str) -> Option<u32> {
        None
    }
}

/// Subject and process tokens, as (is_subject, fields); `legacy` keeps only subject32 and
/// process32, the ones auditreduce reads.
fn actors(r: &Record<'_>, legacy: bool) -> Vec<(bool, bsm_format::token::Subject)> {
    r.tokens()
        .filter_map(Result::ok)
        .filter(|t| !legacy || matches!(t.id().0, 0x24 | 0x26))
        .filter_map(|t| match t {
            Token::Subject(s) => Some((true, s)),
            Token::Process(s) => Some((false, s)),
            _ => None,
        })
        .collect()
}

#[test]
fn selections_match_auditreduce_and_the_rule() {
    let Some(o) = oracle() else { return };
    let trail = std::fs::read(o.join("trails/mixed_1000_mixed.bsm")).unwrap();
    let events = bsm_format::tables::EventTable::parse(
        &std::fs::read_to_string(o.join("env/audit_event")).unwrap(),
    );
    let classes = bsm_format::tables::ClassTable::parse(
        &std::fs::read_to_string(o.join("env/audit_class")).unwrap(),
    );
    let class_of = |r: &Record, c: &str| {
        let ev = r.header().unwrap().unwrap().event.0;
        events
            .get(ev)
            .is_some_and(|e| e.classes.split(',').any(|x| x == c))
    };
    let etc = regex::bytes::Regex::new("/etc/.*").unwrap();
    let runs = std::fs::read_to_string(o.join("auditreduce/runs.tsv")).unwrap();
    let mut cases = 0;
    for line in runs.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        let (name, argv) = (f[0], f[1]);
        let args: Vec<&str> = argv.split_whitespace().collect();
        // auditreduce FLAG VALUE mixed_1000_mixed.bsm
        let (flag, value) = (args[1], args[2]);
        let mut ra = ReduceArgs::default();
        let v = Some(value.to_string());
        match flag {
            "-m" => ra.events = vec![value.to_string()],
            "-e" => ra.euid = v,
            "-r" => ra.ruid = v,
            "-f" => ra.egid = v,
            "-c" => ra.classes = v,
            "-o" => ra.objects = vec![value.to_string()],
            "-a" => ra.after = v,
            "-b" => ra.before = v,
            "-j" => ra.pid = value.parse().ok(),
            "-z" => ra.zone = v,
            _ => panic!("{name}: flag {flag} not covered"),
        }
        let filter = Filter::new(&ra.spec(), &events, &classes, &NoNames, true).unwrap();
        // The rule; `legacy` restricts it to the tokens auditreduce reads.
        let rule = |r: &Record, legacy: bool| -> bool {
            match name {
                "m_AUE_EXECVE" => r.header().unwrap().unwrap().event.0 == 23,
                "e_1001" => actors(r, legacy).iter().any(|(_, s)| s.euid == 1001),
                "r_1002" => actors(r, legacy).iter().any(|(_, s)| s.ruid == 1002),
                "f_egid_0" => actors(r, legacy).iter().any(|(_, s)| s.egid == 0),
                "c_fr" => class_of(r, "fr"),
                "c_lo" => class_of(r, "lo"),
                "o_file_etc" => r
                    .tokens()
                    .filter_map(Result::ok)
                    .any(|t| matches!(t, Token::Path(p) if etc.is_match(p.bytes()))),
                "a_after" => r.header().unwrap().unwrap().time.sec >= 1_700_000_010,
                // Both -a and -b include the second they name.
                "b_before" => r.header().unwrap().unwrap().time.sec <= 1_700_000_010,
                "j_pid_1304" => actors(r, legacy)
                    .iter()
                    .any(|&(subject, s)| subject && s.pid == 1304),
                "z_zone" => r
                    .tokens()
                    .filter_map(Result::ok)
                    .any(|t| matches!(t, Token::Zonename(z) if z.bytes() == b"global")),
                _ => panic!("no rule for {name}"),
            }
        };
        let expected = std::fs::read(o.join(format!("auditreduce/{name}.bsm"))).unwrap();
        let reduce_h32: Vec<&[u8]> = records(&expected)
            .map(|r| r.unwrap())
            .filter(|r| r.kind() == RecordKind::Header(bsm_format::token::HeaderKind::Header32))
            .map(|r| r.bytes())
            .collect();
        let recs: Vec<Record> = records(&trail)
            .map(|r| r.unwrap())
            .filter(|r| r.kind() != RecordKind::File)
            .collect();
        let knox: Vec<&Record> = recs.iter().filter(|r| filter.matches(r)).collect();
        let by_rule: Vec<&Record> = recs.iter().filter(|r| rule(r, false)).collect();
        let offsets = |v: &[&Record]| v.iter().map(|r| r.offset()).collect::<Vec<_>>();
        assert_eq!(
            offsets(&knox),
            offsets(&by_rule),
            "{name}: knox and the rule"
        );
        let legacy_h32: Vec<&[u8]> = recs
            .iter()
            .filter(|r| {
                r.kind() == RecordKind::Header(bsm_format::token::HeaderKind::Header32)
                    && rule(r, true)
            })
            .map(|r| r.bytes())
            .collect();
        assert_eq!(
            legacy_h32.len(),
            reduce_h32.len(),
            "{name}: header32 records auditreduce selected"
        );
        assert_eq!(
            legacy_h32, reduce_h32,
            "{name}: header32 records auditreduce selected"
        );
        // Inverting selects exactly the others.
        let mut inv = ra.clone();
        inv.invert = true;
        let inverted = Filter::new(&inv.spec(), &events, &classes, &NoNames, true).unwrap();
        assert_eq!(
            recs.iter().filter(|r| inverted.matches(r)).count(),
            recs.len() - knox.len(),
            "{name} -v"
        );
        cases += 1;
    }
    assert_eq!(cases, 11);
}
