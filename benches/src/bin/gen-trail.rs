//! Writes a generated trail: `gen-trail OUT [--mb N | --records N] [--seed S] [--headers h32|h64|ex|mixed]`.
//! The same arguments always give the same bytes.

use std::io::Write;

use bsm_format::generate::{Generator, HeaderMix};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut out = None;
    let (mut mb, mut records, mut seed, mut mix) = (None, None, 1u64, HeaderMix::H32);
    let mut i = 0;
    while i < args.len() {
        let val = || args.get(i + 1).cloned().unwrap_or_else(|| usage());
        match args[i].as_str() {
            "--mb" => mb = Some(val().parse::<u64>().unwrap_or_else(|_| usage())),
            "--records" => records = Some(val().parse::<usize>().unwrap_or_else(|_| usage())),
            "--seed" => seed = val().parse().unwrap_or_else(|_| usage()),
            "--headers" => {
                mix = match val().as_str() {
                    "h32" => HeaderMix::H32,
                    "h64" => HeaderMix::H64,
                    "ex" => HeaderMix::Ex,
                    "mixed" => HeaderMix::Mixed,
                    _ => usage(),
                }
            }
            s if !s.starts_with('-') && out.is_none() => {
                out = Some(s.to_string());
                i += 1;
                continue;
            }
            _ => usage(),
        }
        i += 2;
    }
    let out = out.unwrap_or_else(|| usage());
    let mut g = Generator::new(seed).headers(mix);
    let mut f = std::io::BufWriter::new(std::fs::File::create(&out).expect("create output"));
    let n = match records {
        Some(n) => {
            let data = g.trail(n);
            f.write_all(&data).expect("write");
            n as u64
        }
        None => g
            .write_trail(&mut f, mb.unwrap_or(200) << 20)
            .expect("write"),
    };
    f.flush().expect("flush");
    eprintln!("{out}: {n} records");
}

fn usage() -> ! {
    eprintln!(
        "usage: gen-trail OUT [--mb N | --records N] [--seed S] [--headers h32|h64|ex|mixed]"
    );
    std::process::exit(2)
}
