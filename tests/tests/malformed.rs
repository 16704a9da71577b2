//! The oracle's malformed inputs: each problem is reported with what it is and its offset, and
//! every intact record before and after it is still decoded (praudit stops or skips silently).
//! The same through the slice iterator and the streaming reader at every buffer size.

use knox_tests::{
    decode_batches, decode_memory_batches, decode_reader, decode_slice, oracle, Unit, CHUNKS,
};

fn rec(offset: u64, ids: &[u8], error: Option<&str>) -> Unit {
    Unit::Record {
        offset,
        ids: ids.to_vec(),
        error: error.map(str::to_string),
    }
}

fn err(e: &str) -> Unit {
    Unit::Error(e.to_string())
}

#[test]
fn malformed_inputs_report_problems_and_keep_good_records() {
    let Some(oracle) = oracle() else { return };
    let ok = [0x14, 0x23, 0x27, 0x13];
    let cases: Vec<(&str, Vec<Unit>)> = vec![
        ("empty_file", vec![]),
        (
            "file_tokens_around_record",
            vec![
                rec(0, &[0x11], None),
                rec(52, &ok, None),
                rec(98, &[0x11], None),
            ],
        ),
        (
            "garbage_between_records",
            vec![
                rec(0, &ok, None),
                err("garbage: byte 0x42 cannot start a record (4 bytes skipped) at offset 50"),
                rec(54, &ok, None),
            ],
        ),
        (
            "header64_only_for_p",
            vec![rec(0, &[0x74, 0x72, 0x13], None)],
        ),
        (
            "leading_garbage",
            vec![
                err("garbage: byte 0x00 cannot start a record (3 bytes skipped) at offset 0"),
                rec(3, &ok, None),
            ],
        ),
        (
            "record_without_trailer",
            vec![
                rec(0, &[0x14, 0x23], Some("record has no trailer at offset 33")),
                rec(33, &ok, None),
            ],
        ),
        (
            "recsize_too_small",
            vec![err(
                "record byte count 3 is smaller than its header (18) at offset 0",
            )],
        ),
        (
            "token_overruns_record",
            vec![
                rec(
                    0,
                    &[0x14],
                    Some("truncated text: need 500 bytes, have 19 at offset 21"),
                ),
                rec(40, &ok, None),
            ],
        ),
        (
            "trailer_bad_magic_and_count",
            vec![rec(
                0,
                &[0x14, 0x27, 0x13],
                Some("bad trailer magic 0xdead (expected 0xb105) at offset 25"),
            )],
        ),
        (
            "truncated_last_record",
            vec![
                rec(0, &ok, None),
                err(
                    "truncated record: byte count 52, only 42 bytes left in the input at offset 41",
                ),
            ],
        ),
        (
            "zero_padding_inside_record",
            vec![
                rec(
                    0,
                    &[0x14, 0x23],
                    Some("invalid token id 0x00 (zero padding?) at offset 29"),
                ),
                rec(41, &ok, None),
            ],
        ),
    ];
    for (name, want) in &cases {
        let data = std::fs::read(oracle.join("malformed").join(format!("{name}.bsm"))).unwrap();
        assert_eq!(&decode_slice(&data), want, "{name} (slice)");
        for chunk in CHUNKS {
            assert_eq!(
                &decode_reader(&data, chunk),
                want,
                "{name} (reader, {chunk}-byte reads)"
            );
            assert_eq!(
                &decode_batches(&data, chunk),
                want,
                "{name} (batches of {chunk} bytes)"
            );
            assert_eq!(
                &decode_memory_batches(&data, chunk),
                want,
                "{name} (batches of {chunk} bytes in memory)"
            );
        }
    }
    let listed = std::fs::read_dir(oracle.join("malformed"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "bsm"))
        .count();
    assert_eq!(listed, cases.len(), "a malformed case is not covered");
}
