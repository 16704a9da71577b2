//! Memory on garbage: however large the input and however little of it is BSM, a reading tool
//! keeps a few batches in memory, not the file. (A test file of its own: the peak resident set
//! of this process's children is measured, and no other test runs children here.)

use std::io::Write;

use knox_tests::knox_bin;

/// The largest peak resident set of this process's children that have ended, in MB.
fn children_peak_mb() -> u64 {
    // SAFETY: getrusage fills the struct it is given; RUSAGE_CHILDREN is a valid `who`.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut u) };
    assert_eq!(rc, 0);
    u.ru_maxrss as u64 / 1024
}

#[test]
fn random_bytes_are_read_in_bounded_memory() {
    let path = std::env::temp_dir().join(format!("knox-garbage-{}.bin", std::process::id()));
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        // 192 MiB of xorshift noise: resync scans all of it for a record that never comes.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..(192 << 20) / 8 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            f.write_all(&x.to_le_bytes()).unwrap();
        }
    }
    for tool in ["stats", "json"] {
        let out = std::process::Command::new(knox_bin())
            .args([tool, "-j", "2"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.code().is_some_and(|c| c <= 1),
            "{tool}: {:?}",
            out.status
        );
        let peak = children_peak_mb();
        assert!(
            peak <= 64,
            "knox {tool} on 192 MiB of random bytes: {peak} MB resident"
        );
    }
    std::fs::remove_file(&path).unwrap();
}
