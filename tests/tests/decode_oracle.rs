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
                // praudit skips the rest of a record silently after a token it cannot decode;
                // knox reports an error at the same token, having decoded the same ones before it.
                let got_ids: Vec<Vec<u8>> = got
                    .iter()
                    .map(|r| r.clone().unwrap_or_else(|p| p))
                    .collect();
                assert_eq!(got_ids.len(), expected.len(), "{name}: record count");
                for (i, (g, e)) in got_ids.iter().zip(&expected).enumerate() {
                    assert_eq!(
                        g, e,
                        "{name}: record {i}: token ids (knox left, praudit right)"
                    );
                }
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
    for (file, offset, text) in [
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
    ] {
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
