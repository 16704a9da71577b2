//! Decoder throughput over a generated trail: framing alone, framing plus decoding every token
//! (slice and streaming reader), and a plain memory scan as the baseline. Each timed closure
//! checks its own result.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use bsm_format::generate::{Generator, HeaderMix};
use bsm_format::{records, RecordReader};

fn trail() -> (Vec<u8>, usize) {
    let data = Generator::new(1).headers(HeaderMix::Mixed).trail(100_000);
    let n = records(&data).count();
    (data, n)
}

fn bench(c: &mut Criterion) {
    let (data, n) = trail();
    let mut g = c.benchmark_group("decode");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.bench_function("baseline: sum of bytes (memory read)", |b| {
        b.iter(|| data.chunks(8).map(|c| c[0] as u64).sum::<u64>())
    });
    g.bench_function("frame only (slice)", |b| {
        b.iter(|| assert_eq!(records(&data).count(), n))
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

criterion_group!(benches, bench);
criterion_main!(benches);
