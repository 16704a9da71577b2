//! The slice iterator and the streaming reader agree on every input at every buffer size, and
//! both recover every intact record around damage.

use bsm_format::encode::{with_nul, RecordBuilder};
use bsm_format::generate::{Generator, HeaderMix};
use bsm_format::token::{Attr, Return, StringList, Width};
use bsm_format::{records, BsmErrno, EventType, RecordKind, Text, Time, Token};
use knox_tests::{
    decode_batches, decode_memory_batches, decode_reader, decode_slice, oracle, Unit, CHUNKS,
};

fn good_records(units: &[Unit]) -> Vec<u64> {
    units
        .iter()
        .filter_map(|u| match u {
            Unit::Record {
                offset,
                error: None,
                ..
            } => Some(*offset),
            _ => None,
        })
        .collect()
}

#[test]
fn reader_equals_slice_on_oracle_trails_and_generated_trails() {
    let mut inputs: Vec<(String, Vec<u8>)> = Vec::new();
    if let Some(o) = oracle() {
        for d in ["trails", "malformed", "records", "extras"] {
            for e in std::fs::read_dir(o.join(d)).unwrap().flatten() {
                if e.path().extension().is_some_and(|x| x == "bsm") {
                    inputs.push((
                        e.path().display().to_string(),
                        std::fs::read(e.path()).unwrap(),
                    ));
                }
            }
        }
        if let Some(r) = knox_tests::openbsm_reference() {
            inputs.push((
                "execve-long-args".into(),
                std::fs::read(r.join("execve-long-args.trail")).unwrap(),
            ));
        }
    }
    for (i, mix) in [
        HeaderMix::H32,
        HeaderMix::H64,
        HeaderMix::Ex,
        HeaderMix::Mixed,
    ]
    .into_iter()
    .enumerate()
    {
        inputs.push((
            format!("generated {mix:?}"),
            Generator::new(i as u64).headers(mix).trail(300),
        ));
    }
    for (name, data) in &inputs {
        knox_tests::fuzz::check_fast_paths(data);
        let want = decode_slice(data);
        for chunk in CHUNKS {
            assert_eq!(
                decode_reader(data, chunk),
                want,
                "{name}: {chunk}-byte reads"
            );
            assert_eq!(
                decode_batches(data, chunk),
                want,
                "{name}: {chunk}-byte batches"
            );
            assert_eq!(
                decode_memory_batches(data, chunk),
                want,
                "{name}: {chunk}-byte batches in memory"
            );
        }
    }
}

#[test]
fn generated_trails_decode_cleanly_and_reencode_exactly() {
    for mix in [
        HeaderMix::H32,
        HeaderMix::H64,
        HeaderMix::Ex,
        HeaderMix::Mixed,
    ] {
        let mut g = Generator::new(42).headers(mix).record_truth();
        let data = g.trail(2000);
        assert_eq!(
            data,
            Generator::new(42).headers(mix).trail(2000),
            "deterministic"
        );
        let mut n = 0;
        for r in records(&data) {
            let r = r.unwrap();
            let mut out = Vec::new();
            for t in r.tokens() {
                t.unwrap_or_else(|e| panic!("{mix:?}: {e}"))
                    .encode(&mut out);
            }
            assert_eq!(out, r.bytes());
            if r.kind() != RecordKind::File {
                n += 1;
            }
        }
        assert_eq!(n, 2000);
        assert_eq!(g.truth().len(), 2000);
    }
}

/// xnu writes the real argc even when it stopped copying strings at 16 KiB (FORMAT.md Q2).
#[test]
fn exec_args_with_a_count_larger_than_its_strings_decodes_correctly() {
    let args: Vec<Vec<u8>> = (0..200)
        .map(|i| format!("argument-{i:03}").into_bytes())
        .collect();
    let mut tok = Vec::new();
    StringList::encode_strings(0x3c, &args, &mut tok);
    tok[1..5].copy_from_slice(&300u32.to_be_bytes()); // the claim
    let env: [&[u8]; 2] = [b"PATH=/bin", b"HOME=/"];
    StringList::encode_strings(0x3d, &env, &mut tok);
    let mut b = RecordBuilder::new(EventType(23), Time::new(1, 0));
    b.push_raw(&tok);
    let path = with_nul("/bin/echo");
    b.push(&Token::Path(Text(&path)));
    b.push(&Token::Attr(Attr {
        width: Width::W32,
        mode: 0o100755,
        uid: 0,
        gid: 0,
        fsid: 1,
        nodeid: 2,
        device: 0,
    }));
    b.push(&knox_tests::subject(77));
    b.push(&Token::Return(Return {
        width: Width::W32,
        errno: BsmErrno(0),
        value: 0,
    }));
    let data = b.finish();
    let rec = records(&data).next().unwrap().unwrap();
    let toks: Vec<Token> = rec.tokens().collect::<Result<_, _>>().unwrap();
    let ids: Vec<u8> = toks.iter().map(|t| t.id().0).collect();
    assert_eq!(ids, [0x14, 0x3c, 0x3d, 0x23, 0x3e, 0x24, 0x27, 0x13]);
    let Token::ExecArgs(l) = toks[1] else {
        panic!()
    };
    assert_eq!((l.count, l.present), (300, 200));
    assert_eq!(l.iter().last(), Some(&b"argument-199"[..]));
    let Token::ExecEnv(e) = toks[2] else { panic!() };
    assert_eq!(e.iter().collect::<Vec<_>>(), env);
}

#[test]
fn a_corrupt_byte_count_does_not_swallow_the_records_after_it() {
    let mut data = Generator::new(3).trail(50);
    let recs: Vec<(u64, usize)> = records(&data)
        .map(|r| r.unwrap())
        .map(|r| (r.offset(), r.len()))
        .collect();
    // Make the 10th unit's byte count 300 bytes too large.
    let (off, len) = recs[10];
    let at = off as usize + 1;
    data[at..at + 4].copy_from_slice(&(len as u32 + 300).to_be_bytes());
    let units = decode_slice(&data);
    let good = good_records(&units);
    for (o, _) in recs.iter().filter(|(o, _)| *o != off) {
        assert!(good.contains(o), "record at {o} lost");
    }
    // The damaged record is reported, not silently dropped.
    assert!(units
        .iter()
        .any(|u| matches!(u, Unit::Record { offset, error: Some(_), .. } if *offset == off)));
    // Batches cut inside the suspect record (which reaches over the records after it) still
    // see the same records.
    for size in [1, 7, 64, 300, 1000, 4096] {
        assert_eq!(decode_batches(&data, size), units, "{size}-byte batches");
        assert_eq!(
            decode_memory_batches(&data, size),
            units,
            "{size}-byte memory batches"
        );
        assert_eq!(decode_reader(&data, size), units, "{size}-byte reads");
    }
}

#[test]
fn every_truncation_keeps_the_records_before_the_cut() {
    let data = Generator::new(5).headers(HeaderMix::Mixed).trail(12);
    let ends: Vec<u64> = records(&data)
        .map(|r| r.unwrap())
        .map(|r| r.offset() + r.len() as u64)
        .collect();
    for cut in 0..data.len() {
        let units = decode_slice(&data[..cut]);
        let whole = ends.iter().filter(|&&e| e <= cut as u64).count();
        assert_eq!(good_records(&units).len(), whole, "cut at {cut}");
        if ends.iter().all(|&e| e != cut as u64) && cut > 0 {
            assert!(
                units.iter().any(|u| matches!(u, Unit::Error(_))),
                "cut at {cut}: truncation not reported"
            );
        }
        for chunk in [1, 64] {
            assert_eq!(decode_reader(&data[..cut], chunk), units, "cut at {cut}");
            assert_eq!(decode_batches(&data[..cut], chunk), units, "cut at {cut}");
            assert_eq!(
                decode_memory_batches(&data[..cut], chunk),
                units,
                "cut at {cut}"
            );
        }
    }
}

#[test]
fn garbage_between_records_is_skipped_with_one_error() {
    let a = Generator::new(9).trail(5);
    let b = Generator::new(10).trail(5);
    let mut data = a.clone();
    data.extend_from_slice(&[0x42; 1000]);
    data.extend_from_slice(&b);
    let units = decode_slice(&data);
    let errors: Vec<&Unit> = units
        .iter()
        .filter(|u| matches!(u, Unit::Error(_)))
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(good_records(&units).len(), 14);
    assert_eq!(
        errors[0],
        &Unit::Error(format!(
            "garbage: byte 0x42 cannot start a record (1000 bytes skipped) at offset {}",
            a.len()
        ))
    );
}
