//! The oracle's malformed inputs: each problem is reported with what it is and its offset, and
//! every intact record before and after it is still decoded (praudit stops or skips silently).
//! The same through the slice iterator and the streaming reader at every buffer size.

use knox_tests::{
    decode_batches, decode_memory_batches, decode_reader, decode_slice, malformed_cases, oracle,
    CHUNKS,
};

#[test]
fn malformed_inputs_report_problems_and_keep_good_records() {
    let Some(oracle) = oracle() else { return };
    let cases = malformed_cases();
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
