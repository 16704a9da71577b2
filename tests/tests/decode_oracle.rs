//! The decoder against OpenBSM's praudit: for every oracle input, each record's token ids equal
//! the ids praudit printed (`-r`), except where praudit misparses, which is listed below with the
//! reason; and re-encoding every decoded record gives back its exact bytes.

use bsm_format::{records, RecordKind, Token};
use knox_tests::{ids_from_praudit_r, inputs_with_output, oracle};

/// Token ids of a record: `Ok(ids)` when it decodes whole, `Err(prefix)` when knox reports it as
/// malformed after decoding the tokens in `prefix`.
type Ids = Result<Vec<u8>, Vec<u8>>;

/// What knox decodes where it deliberately differs from praudit, and why.
fn knox_differs(name: &str) -> Option<(Ids, &'static str)> {
    let junk =
        "payload 01 02 03 04 05 aa bb cc dd does not fit the layout knox knows for this id, \
                so knox reports the token as malformed where praudit prints it as unknown";
    Some(match name {
        "records/0x3b_newgroups_20_overflow" => (
            Ok(vec![0x14, 0x3b, 0x13]),
            "praudit reads only 16 of the 20 gids and misparses the rest as an unknown token",
        ),
        "records/0x82_sockunix_path_120_overflow" => (
            Ok(vec![0x14, 0x82, 0x13]),
            "praudit stops a unix path at 108 bytes and misparses the rest as an unknown token",
        ),
        "records/0x83_unknown_rights_then_path_return" => (
            Ok(vec![0x14, 0x83, 0x23, 0x24, 0x27, 0x13]),
            "praudit has no decoder for FreeBSD's rights token and swallows the tokens after it",
        ),
        "records/0xed_identity_in_record" => (
            Ok(vec![0x14, 0x24, 0x27, 0xed, 0x13]),
            "praudit has no decoder for Apple's identity token; the token fits xnu's layout exactly \
             (49 bytes, both truncated flags present, whatever FORMAT.md §3.15 says of it)",
        ),
        "records/0x00_unknown_invalid" => (
            Err(vec![0x14]),
            "id 0x00 is AUT_INVALID, never a real token (usually zero padding): knox reports it",
        ),
        "records/0x83_unknown_rights_freebsd"
        | "records/0xed_unknown_identity_apple"
        | "records/0xee_unknown_krb5_principal_apple"
        | "records/0xef_unknown_cert_hash_apple" => (Err(vec![0x14]), junk),
        _ => return None,
    })
}

/// Records with a token praudit cannot decode (it skips the rest of the record silently): the
/// file, and the offset and problem knox reports.
const CUT_SHORT: [(&str, u64, &str); 3] = [
    (
        "0x7a_subject32_ex_adtype_invalid_then_text",
        51,
        "bad address type 8 in subject.tid.type",
    ),
    (
        "0x7e_in_addr_ex_type_invalid_then_text",
        19,
        "bad address type 6 in in_addr_ex.type",
    ),
    ("0x21_data_invalid_unit7", 20, "bad data unit type 7"),
];

#[test]
fn token_ids_match_praudit_and_records_reencode_exactly() {
    let Some(oracle) = oracle() else { return };
    let inputs = inputs_with_output(&oracle, &["records", "trails", "openbsm-reference"], "-r");
    assert!(
        inputs.len() > 200,
        "only {} oracle inputs found",
        inputs.len()
    );
    let (mut same, mut differ, mut records_seen) = (0, 0, 0);
    for (name, input, output) in &inputs {
        let data = std::fs::read(input).unwrap();
        let expected = ids_from_praudit_r(&std::fs::read(output).unwrap());
        let mut got: Vec<Ids> = Vec::new();
        for rec in records(&data) {
            let rec = rec.unwrap_or_else(|e| panic!("{name}: framing error {e}"));
            records_seen += 1;
            let mut ids = Vec::new();
            let mut ok = true;
            let mut reencoded = Vec::new();
            for t in rec.tokens() {
                match t {
                    Ok(t) => {
                        ids.push(t.id().0);
                        t.encode(&mut reencoded);
                    }
                    Err(_) => {
                        ok = false;
                        break;
                    }
                }
            }
            if ok {
                assert_eq!(
                    reencoded,
                    rec.bytes(),
                    "{name}: record at {} re-encodes differently",
                    rec.offset()
                );
                got.push(Ok(ids));
            } else {
                got.push(Err(ids));
            }
        }
        match knox_differs(name) {
            Some((want, why)) => {
                assert_eq!(
                    got,
                    vec![want],
                    "{name}: knox should differ from praudit because {why}"
                );
                assert_ne!(expected.len(), 0);
                differ += 1;
            }
            None => {
                // Decoded records must be praudit's. Only where praudit is known to skip the rest
                // of a record after a token it cannot decode may knox report an error, at the
                // same token, having decoded the same ones before it.
                let cut_short = CUT_SHORT.iter().any(|(f, _, _)| name.ends_with(f));
                assert_eq!(got.len(), expected.len(), "{name}: record count");
                for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
                    match g {
                        Ok(ids) => assert_eq!(
                            ids, e,
                            "{name}: record {i}: token ids (knox left, praudit right)"
                        ),
                        Err(prefix) => {
                            assert!(
                                cut_short,
                                "{name}: record {i}: knox reports an error in a record praudit decodes"
                            );
                            assert_eq!(prefix, e, "{name}: record {i}: tokens before the error");
                        }
                    }
                }
                assert_eq!(
                    got.iter().any(|g| g.is_err()),
                    cut_short,
                    "{name}: whether a record is cut short"
                );
                same += 1;
            }
        }
    }
    eprintln!("{same} inputs decode to praudit's token ids, {differ} differ as documented, {records_seen} records");
    assert!(records_seen > 4000);
}

/// Records that praudit could only partly decode are reported by knox with the offset of the
/// token that failed; the expected texts pin the kind of problem.
#[test]
fn records_praudit_cuts_short_are_errors_with_offsets() {
    let Some(oracle) = oracle() else { return };
    for (file, offset, text) in CUT_SHORT.iter().copied().chain([
        (
            "0xed_unknown_identity_apple",
            25,
            "truncated identity.signing_id",
        ),
        (
            "0xee_unknown_krb5_principal_apple",
            19,
            "krb5_principal.count claims 16909060 strings",
        ),
    ]) {
        let data = std::fs::read(oracle.join("records").join(format!("{file}.bsm"))).unwrap();
        let rec = records(&data).next().unwrap().unwrap();
        let err = rec
            .tokens()
            .find_map(|t| t.err())
            .unwrap_or_else(|| panic!("{file}: no error"));
        assert!(err.to_string().contains(text), "{file}: {err}");
        assert_eq!(err.offset, offset, "{file}: {err}");
    }
}

/// Every record that auditreduce selected is a byte-exact record of the trail it read.
#[test]
fn auditreduce_outputs_are_records_of_the_mixed_trail() {
    let Some(oracle) = oracle() else { return };
    let trail = std::fs::read(oracle.join("trails/mixed_1000_mixed.bsm")).unwrap();
    let originals: std::collections::HashSet<&[u8]> =
        records(&trail).map(|r| r.unwrap().bytes()).collect();
    let mut n = 0;
    for e in std::fs::read_dir(oracle.join("auditreduce"))
        .unwrap()
        .flatten()
    {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "bsm") {
            let data = std::fs::read(&p).unwrap();
            let lines = std::fs::read_to_string(p.with_extension("praudit-l.txt"))
                .unwrap()
                .lines()
                .count();
            let mut count = 0;
            for r in records(&data) {
                let r = r.unwrap();
                assert!(
                    originals.contains(r.bytes()),
                    "{}: record at {} not in the trail",
                    p.display(),
                    r.offset()
                );
                assert!(r.tokens().all(|t| t.is_ok()));
                count += 1;
            }
            assert_eq!(count, lines, "{}", p.display());
            n += 1;
        }
    }
    assert!(n >= 10);
}

#[test]
fn identity_token_decodes_in_xnu_layout() {
    // Built as xnu's au_to_identity lays it out (FORMAT.md §2.13): 56 bytes.
    let mut tok = vec![0xed, 0, 0, 0, 1, 0, 22];
    tok.extend_from_slice(b"com.apple.xpc.launchd\0");
    tok.extend_from_slice(&[0, 0, 1, 0, 0, 0, 20]);
    tok.extend_from_slice(&[0x26; 20]);
    assert_eq!(tok.len(), 56);
    let mut b = bsm_format::encode::RecordBuilder::new(
        bsm_format::EventType(23),
        bsm_format::Time::new(1, 2),
    );
    b.push_raw(&tok);
    let rec_bytes = b.finish();
    let rec = records(&rec_bytes).next().unwrap().unwrap();
    assert_eq!(
        rec.kind(),
        RecordKind::Header(bsm_format::token::HeaderKind::Header32)
    );
    let toks: Vec<Token> = rec.tokens().map(|t| t.unwrap()).collect();
    let Token::Identity(id) = toks[1] else {
        panic!("{:?}", toks[1])
    };
    assert_eq!(id.signer_type, 1);
    assert_eq!(id.signing_id.bytes(), b"com.apple.xpc.launchd");
    assert_eq!(id.team_id.bytes(), b"");
    assert_eq!(id.cdhash, &[0x26; 20]);
}

/// Every bare token of the oracle that libbsm's token printer printed without complaint: knox
/// decodes it and prints it as the printer did, in each of its modes.
#[test]
fn bare_tokens_print_as_libbsm_token_printer() {
    use knox::praudit::{Options, Printer};
    use knox_tests::praudit::{fix_praudit_xml, ErrnoTexts};
    let Some(oracle) = oracle() else { return };
    let env = oracle.join("env");
    let events = bsm_format::tables::EventTable::parse(
        &std::fs::read_to_string(env.join("audit_event")).unwrap(),
    );
    let named =
        knox::accounts::Accounts::new(Some(&env.join("passwd")), Some(&env.join("group"))).unwrap();
    let errno = ErrnoTexts::load(&oracle);
    let modes: [(&str, bool, bool, bool, bool, bool); 7] = [
        // suffix, -l, -n, -r, -s, -x
        ("", false, false, false, false, false),
        ("-l", true, false, false, false, false),
        ("-n", false, true, false, false, false),
        ("-r", false, false, true, false, false),
        ("-s", false, false, false, true, false),
        ("-x", false, false, false, false, true),
        ("-xn", false, true, false, false, true),
    ];
    let (mut tokens, mut compared) = (0, 0);
    let mut failures = Vec::new();
    for e in std::fs::read_dir(oracle.join("tokens")).unwrap().flatten() {
        let path = e.path();
        if path.extension().is_none_or(|x| x != "tok") {
            continue;
        }
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        if stem.starts_with("0x21_data_") && stem.ends_with("_int64") {
            continue; // libbsm prints the low 32 bits of 64-bit items; knox all (pinned in praudit_oracle.rs)
        }
        if path
            .with_file_name(format!("{stem}.tokprint.txt.stderr"))
            .exists()
        {
            continue; // the printer could not fetch it: covered by the record tests
        }
        let bytes = std::fs::read(&path).unwrap();
        // The file's tokens, one after the other (a few files hold a second token).
        let mut file_tokens = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            let (t, len) = bsm_format::token::decode_one(&bytes[at..])
                .unwrap_or_else(|e| panic!("{stem}: {e}"));
            file_tokens.push(t);
            at += len;
        }
        tokens += 1;
        for (suffix, oneline, numeric, raw, short, xml) in modes {
            if xml && stem == "0x23_path_embedded_nul" {
                continue; // knox's XML shows the NUL as \^@ (pinned in praudit_oracle.rs)
            }
            let want =
                std::fs::read(path.with_file_name(format!("{stem}.tokprint{suffix}.txt"))).unwrap();
            let opts = Options {
                oneline,
                raw,
                short,
                xml,
                zone: knox::time::Zone::Utc,
                ..Options::default()
            };
            let accounts = if numeric || raw {
                knox::accounts::Accounts::numeric()
            } else {
                named.clone()
            };
            let mut p = Printer::new(opts, &events, accounts);
            let mut out = Vec::new();
            for t in &file_tokens {
                p.print_token(t, &mut out);
                out.push(if oneline { b',' } else { b'\n' });
            }
            if oneline {
                out.push(b'\n');
            }
            let want = match (raw, xml) {
                (true, _) => want,
                (false, false) => errno.apply(&want, b","),
                (false, true) => fix_praudit_xml(&errno.apply(&want, b","), false),
            };
            if out != want {
                failures.push(format!(
                    "{stem}{suffix}:\n  knox:   {}  libbsm: {}",
                    String::from_utf8_lossy(&out),
                    String::from_utf8_lossy(&want)
                ));
            }
            compared += 1;
        }
    }
    for f in failures.iter().take(30) {
        eprintln!("{f}");
    }
    assert!(failures.is_empty(), "{} printouts differ", failures.len());
    eprintln!("{tokens} tokens, {compared} printouts identical to libbsm's token printer");
    assert!(
        tokens >= 150 && compared > 1000,
        "{tokens} tokens, {compared} printouts"
    );
}
