//! Times the stages of reading a trail held in memory: framing into batches, decoding every
//! token, and reading each record's facts: `stages FILE`.

use std::time::Instant;

fn main() {
    let path = std::env::args().nth(1).expect("usage: stages FILE");
    let data = bytes::Bytes::from(std::fs::read(&path).expect("read"));
    let mb = data.len() as f64 / 1e6;
    let only = std::env::args().nth(2);
    let time = |what: &str, f: &dyn Fn() -> u64| {
        if only.as_deref().is_some_and(|o| !what.contains(o)) {
            return;
        }
        let mut best = f64::MAX;
        let mut n = 0;
        for _ in 0..3 {
            let t0 = Instant::now();
            n = f();
            best = best.min(t0.elapsed().as_secs_f64());
        }
        println!("{what:<40} {best:8.3} s {:8.0} MB/s  ({n})", mb / best);
    };
    let opts = bsm_format::FrameOptions::default();
    time("touch one byte per cache line", &|| {
        let mut sum = 0u64;
        let mut i = 0;
        while i < data.len() {
            sum = sum.wrapping_add(std::hint::black_box(data[i]) as u64);
            i += 64;
        }
        sum
    });
    time("slice records() framing", &|| {
        bsm_format::records(&data).count() as u64
    });
    time("memory batches framing", &|| {
        let mut b = bsm_format::MemoryBatches::new(data.clone(), 1 << 20, opts);
        let mut n = 0;
        while let Some(x) = b.next_batch() {
            n += x.len() as u64;
        }
        n
    });
    time("framing + every token", &|| {
        let mut n = 0;
        for r in bsm_format::records(&data) {
            for t in r.unwrap().tokens() {
                t.unwrap();
                n += 1;
            }
        }
        n
    });
    let acts = knox_model::Acts::new(bsm_format::tables::EventTable::embedded(
        bsm_format::tables::Flavor::MacOs,
    ));
    time("framing + facts (Event::parse)", &|| {
        let mut n = 0;
        for r in bsm_format::records(&data) {
            if let Ok(Some(e)) = knox_model::Event::parse(&r.unwrap(), &acts) {
                n += e.tokens as u64;
            }
        }
        n
    });
}
