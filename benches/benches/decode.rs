//! Decoder throughput over a generated trail: framing alone (slice, batches in memory), framing
//! plus decoding every token (slice, streaming reader, the in-place layout walk `Record::scan`),
//! one benchmark per token family, and a plain memory read as the baseline. Each timed closure
//! checks its own result.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

use bsm_format::generate::{Generator, HeaderMix};
use bsm_format::token::decode_one;
use bsm_format::{records, MemoryBatches, RecordReader, TokenId};

fn trail() -> (Vec<u8>, usize) {
    let data = Generator::new(1).headers(HeaderMix::Mixed).trail(100_000);
    let n = records(&data).count();
    (data, n)
}

fn whole_trail(c: &mut Criterion) {
    let (data, n) = trail();
    let mut g = c.benchmark_group("decode");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.bench_function("baseline: read every 8th byte (memory bandwidth)", |b| {
        b.iter(|| data.chunks(8).map(|c| c[0] as u64).sum::<u64>())
    });
    g.bench_function("frame only (slice)", |b| {
        b.iter(|| assert_eq!(records(&data).count(), n))
    });
    let shared = bytes::Bytes::from(data.clone());
    g.bench_function("frame only (batches in memory, 1 MiB)", |b| {
        b.iter(|| {
            let mut m = MemoryBatches::new(shared.clone(), 1 << 20, Default::default());
            let mut recs = 0;
            while let Some(batch) = m.next_batch() {
                recs += batch.iter().count();
            }
            assert_eq!(recs, n);
        })
    });
    g.bench_function("frame + decode every token (slice)", |b| {
        b.iter(|| {
            let mut toks = 0usize;
            for r in records(&data) {
                for t in r.unwrap().tokens() {
                    t.unwrap();
                    toks += 1;
                }
            }
            assert!(toks > n);
        })
    });
    g.bench_function("frame + scan every token in place (Record::scan)", |b| {
        b.iter(|| {
            let mut toks = 0usize;
            for r in records(&data) {
                assert!(r.unwrap().scan(|_, _| toks += 1).is_none());
            }
            assert!(toks > n);
        })
    });
    g.bench_function("frame + decode every token (reader, 64 KiB reads)", |b| {
        b.iter(|| {
            let mut rr = RecordReader::new(&data[..]);
            let mut recs = 0usize;
            while let Some(r) = rr.next_record() {
                for t in r.unwrap().tokens() {
                    t.unwrap();
                }
                recs += 1;
            }
            assert_eq!(recs, n);
        })
    });
    g.finish();
}

/// Every token of the trail, grouped by family, laid end to end: decoding one family's buffer
/// measures that family's decoder alone.
fn families(c: &mut Criterion) {
    let (data, _) = trail();
    let family = |id: TokenId| -> &'static str {
        match id.0 {
            0x14 | 0x15 | 0x74 | 0x79 => "header",
            0x24 | 0x75 | 0x7a | 0x7c | 0x26 | 0x77 | 0x7b | 0x7d => "subject/process",
            0x27 | 0x72 => "return",
            0x23 | 0x28 => "path/text",
            0x3c | 0x3d => "exec_args/exec_env",
            0x3e | 0x73 => "attr",
            0x2d | 0x71 => "arg",
            0x7f..=0x82 => "socket addresses",
            0x52 => "exit",
            _ => "other",
        }
    };
    let mut buffers: std::collections::BTreeMap<&str, (Vec<u8>, usize)> = Default::default();
    for r in records(&data) {
        let r = r.unwrap();
        let mut toks = r.tokens();
        loop {
            let start = (toks.offset() - r.offset()) as usize;
            let Some(Ok(t)) = toks.next() else { break };
            let end = (toks.offset() - r.offset()) as usize;
            let e = buffers.entry(family(t.id())).or_default();
            e.0.extend_from_slice(&r.bytes()[start..end]);
            e.1 += 1;
        }
    }
    let mut g = c.benchmark_group("token family");
    for (name, (buf, count)) in &buffers {
        if *name == "other" {
            continue;
        }
        g.throughput(Throughput::Elements(*count as u64));
        g.bench_with_input(BenchmarkId::from_parameter(name), buf, |b, buf| {
            b.iter(|| {
                let (mut at, mut n) = (0, 0);
                while at < buf.len() {
                    let (_, len) = decode_one(&buf[at..]).unwrap();
                    at += len;
                    n += 1;
                }
                assert_eq!(n, *count);
            })
        });
    }
    g.finish();
}

criterion_group!(benches, whole_trail, families);
criterion_main!(benches);
