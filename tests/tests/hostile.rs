//! Hostile trails: absurd sizes and counts, lengths past the record, a bit flipped anywhere,
//! endless zeros and random bytes. Each time: no panic, no hang, bounded memory, an error with
//! its offset, and every intact record still recovered.

use bsm_format::encode::{with_nul, RecordBuilder};
use bsm_format::generate::{Generator, HeaderMix};
use bsm_format::{records, EventType, FrameOptions, RecordReader, Text, Time, Token};
use knox_tests::{decode_reader, decode_slice, Unit};

fn good_record() -> Vec<u8> {
    let mut b = RecordBuilder::new(EventType(72), Time::new(1_700_000_000, 1));
    let p = with_nul("/etc/hosts");
    b.push(&Token::Path(Text(&p)));
    b.finish()
}

/// Decodes and checks that the good record placed at `at` comes out intact.
fn assert_recovers(data: &[u8], at: usize, what: &str) {
    let units = decode_slice(data);
    assert!(
        units.iter().any(|u| matches!(u, Unit::Record { offset, error: None, ids } if *offset == at as u64 && ids.len() == 3)),
        "{what}: the good record at {at} was lost: {units:?}"
    );
    assert!(
        units
            .iter()
            .any(|u| matches!(u, Unit::Error(_) | Unit::Record { error: Some(_), .. })),
        "{what}: no error"
    );
    for chunk in [1, 4096] {
        assert_eq!(decode_reader(data, chunk), units, "{what}");
    }
}

#[test]
fn absurd_record_sizes() {
    for size in [0u32, 4, 5, 17, 0xFFFF_FFFF] {
        let mut data = vec![0x14];
        data.extend_from_slice(&size.to_be_bytes());
        data.extend_from_slice(&[0x0b, 0, 0x48, 0, 0]);
        let at = data.len();
        data.extend(good_record());
        assert_recovers(&data, at, &format!("size {size}"));
        let e = records(&data).next().unwrap().unwrap_err();
        assert_eq!(e.offset, 0, "size {size}: {e}");
    }
}

#[test]
fn exec_args_count_of_four_billion() {
    let mut b = RecordBuilder::new(EventType(23), Time::new(1, 0));
    let mut tok = vec![0x3c, 0xff, 0xff, 0xff, 0xff];
    tok.extend_from_slice(b"ls\0-l\0");
    b.push_raw(&tok);
    let mut data = b.finish();
    let at = data.len();
    data.extend(good_record());
    assert_recovers(&data, at, "exec_args count 0xFFFFFFFF");
    let rec = records(&data).next().unwrap().unwrap();
    let e = rec.tokens().find_map(Result::err).unwrap();
    assert_eq!(e.offset, 19, "{e}");
    assert!(
        e.to_string()
            .contains("exec_args.count claims 4294967295 strings"),
        "{e}"
    );
}

#[test]
fn string_length_past_the_record() {
    let mut b = RecordBuilder::new(EventType(72), Time::new(1, 0));
    b.push_raw(&[0x23, 0xff, 0xff, b'/', b'x', 0]);
    let mut data = b.finish();
    let at = data.len();
    data.extend(good_record());
    assert_recovers(&data, at, "path length 65535");
    let e = records(&data)
        .next()
        .unwrap()
        .unwrap()
        .tokens()
        .find_map(Result::err)
        .unwrap();
    assert_eq!(
        e.to_string(),
        format!(
            "truncated path: need 65535 bytes, have {} at offset 21",
            at - 21
        )
    );
}

#[test]
fn a_bit_flipped_anywhere_loses_only_the_record_it_hits() {
    let data = Generator::new(21).headers(HeaderMix::Mixed).trail(6);
    let units: Vec<(u64, Vec<u8>)> = records(&data)
        .map(|r| r.unwrap())
        .map(|r| (r.offset(), r.bytes().to_vec()))
        .collect();
    for pos in 0..data.len() {
        for bit in 0..8 {
            let mut d = data.clone();
            d[pos] ^= 1 << bit;
            let got: Vec<(u64, Vec<u8>, bool)> = records(&d)
                .filter_map(Result::ok)
                .map(|r| {
                    (
                        r.offset(),
                        r.bytes().to_vec(),
                        r.tokens().all(|t| t.is_ok()),
                    )
                })
                .collect();
            for (off, bytes) in &units {
                let hit = (*off as usize..*off as usize + bytes.len()).contains(&pos);
                if !hit {
                    assert!(
                        got.iter().any(|(o, b, ok)| o == off && b == bytes && *ok),
                        "flip at byte {pos} bit {bit}: the intact record at {off} was lost"
                    );
                }
            }
        }
    }
}

/// A reader of endless pseudo-random bytes (or zeros), for memory checks without a big file.
struct Endless {
    left: u64,
    state: u64,
    zeros: bool,
}

impl std::io::Read for Endless {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.left as usize);
        for b in &mut buf[..n] {
            self.state ^= self.state << 13;
            self.state ^= self.state >> 7;
            self.state ^= self.state << 17;
            *b = if self.zeros { 0 } else { self.state as u8 };
        }
        self.left -= n as u64;
        Ok(n)
    }
}

#[test]
fn endless_zeros_and_random_bytes_keep_the_buffer_bounded() {
    for zeros in [true, false] {
        let input = Endless {
            left: 64 << 20,
            state: 0x9e37_79b9_7f4a_7c15,
            zeros,
        };
        let mut r = RecordReader::with_options(input, 64 * 1024, FrameOptions::default());
        let (mut errors, mut max_buf) = (0u64, 0usize);
        while let Some(x) = r.next_record() {
            if x.is_err() {
                errors += 1;
            }
            max_buf = max_buf.max(r.buffer_capacity());
        }
        assert!(errors >= 1, "zeros={zeros}: garbage not reported");
        // One record at most (4 MiB by default) plus one read.
        assert!(
            max_buf <= bsm_format::DEFAULT_MAX_RECORD as usize + 2 * 64 * 1024,
            "zeros={zeros}: buffer grew to {max_buf}"
        );
        assert_eq!(
            r.offset(),
            64 << 20,
            "zeros={zeros}: the whole input was consumed"
        );
    }
}

/// Found by the decode_token fuzz target: string-list tokens nested in string lists, each count
/// larger than its strings, made the decoder try readings inside readings without paying for
/// the tries that failed, and the work grew faster than the record (a 4 KB token took most of a
/// second, a 64 KB one would take hours). Every try now pays from the record's budget; this
/// record, 64 KB of that pattern, decodes as soon as a plain one, and the good record after it
/// is intact.
#[test]
fn nested_string_lists_cannot_make_decoding_slow() {
    let unit = std::fs::read(
        knox_tests::root().join("fuzz/regressions/decode_token/nested-string-lists-look-ahead"),
    )
    .unwrap();
    let mut body = unit.clone();
    while body.len() < 64 * 1024 {
        body.extend_from_slice(&unit[1..]);
    }
    let mut b = RecordBuilder::new(EventType(23), Time::new(1, 0));
    b.push_raw(&body);
    let mut data = b.finish();
    let at = data.len();
    data.extend(good_record());
    let rec = records(&data).next().unwrap().unwrap();
    let tokens: Vec<_> = rec.tokens().collect();
    assert!(
        tokens.iter().any(Result::is_err),
        "the pattern is malformed"
    );
    assert_recovers(&data, at, "nested string lists");
    // The token alone, as the fuzz target reads it.
    let e = bsm_format::token::decode_one(&body).unwrap_err();
    assert!(e.to_string().contains("krb5_principal.count"), "{e}");
}
