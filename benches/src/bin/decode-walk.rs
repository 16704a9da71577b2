//! Walks a trail file with the streaming reader, decoding every token, and prints throughput,
//! records per second and peak memory: `decode-walk FILE`.

use std::time::Instant;

fn peak_rss_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let path = std::env::args().nth(1).unwrap_or_else(|| {
        eprintln!("usage: decode-walk FILE");
        std::process::exit(2)
    });
    let f = std::fs::File::open(&path).expect("open");
    let t0 = Instant::now();
    let mut rr = bsm_format::RecordReader::new(f);
    let (mut bytes, mut recs, mut toks, mut errors) = (0u64, 0u64, 0u64, 0u64);
    while let Some(r) = rr.next_record() {
        match r {
            Ok(r) => {
                bytes += r.len() as u64;
                recs += 1;
                for t in r.tokens() {
                    match t {
                        Ok(_) => toks += 1,
                        Err(_) => errors += 1,
                    }
                }
            }
            Err(_) => errors += 1,
        }
    }
    let s = t0.elapsed().as_secs_f64();
    println!(
        "{path}: {bytes} bytes, {recs} records, {toks} tokens, {errors} errors in {s:.3} s: {:.0} MB/s, {:.2} M records/s, peak RSS {} KiB",
        bytes as f64 / s / 1e6,
        recs as f64 / s / 1e6,
        peak_rss_kib().unwrap_or(0)
    );
}
