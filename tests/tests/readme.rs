//! The README's examples run as written, on the corpus trails: every `knox` line of its `sh`
//! blocks that needs no Mac (not `--live`, `auditpipe`, `auditon`, `--follow`) and writes nothing
//! into the home directory (the installation steps), with `trail`,
//! `FILE...`, `/var/audit` and `case42/` standing for corpus trails laid out as the README says.

use std::path::Path;
use std::process::Command;

use knox_tests::{knox_bin, root};

/// The README's `knox` example lines.
fn examples() -> Vec<String> {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let mut lines = Vec::new();
    let mut in_sh = false;
    for line in readme.lines() {
        if line.starts_with("```") {
            in_sh = line == "```sh";
            continue;
        }
        if in_sh && line.starts_with("knox ") {
            // Without the trailing comment.
            let cmd = match line.find("  #") {
                Some(i) => line[..i].trim_end(),
                None => line,
            };
            lines.push(cmd.to_string());
        }
    }
    lines
}

/// A copied /var/audit per machine: machines/<host>/START.END, from the corpus trails (the
/// README's `case42/`).
fn case_folder(dir: &Path) {
    for (host, trail, name) in [
        ("mac-1", "sample", "20231114221320.20231114221401"),
        ("mac-2", "macos-h32", "20231114221320.20231114221330"),
    ] {
        let d = dir.join("machines").join(host);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::copy(root().join(format!("corpus/{trail}.bsm")), d.join(name)).unwrap();
    }
}

fn on_path(tool: &str, path: &str) -> bool {
    path.split(':').any(|d| Path::new(d).join(tool).is_file())
}

#[test]
fn every_readme_example_runs_on_the_corpus() {
    let dir = std::env::temp_dir().join(format!("knox-readme-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    case_folder(&dir);
    let sample = root().join("corpus/sample.bsm");
    let (sample, corpus) = (sample.to_str().unwrap(), root().join("corpus"));
    let case = dir.join("machines");
    let one_host = case.join("mac-1");
    let bin_dir = knox_bin().parent().unwrap().to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut ran = 0;
    for example in examples() {
        let mac_only = ["--live", "--follow", "knox auditpipe", "knox auditon"]
            .iter()
            .any(|w| example.contains(w));
        // Installation steps write into the user's home: not here.
        if mac_only || example.contains("~/") {
            continue;
        }
        if example.contains("| jq") && !on_path("jq", &path) {
            knox_tests::skip(&format!("jq, for `{example}`"));
            continue;
        }
        let cmd = example
            .replace("corpus/", &format!("{}/", corpus.display()))
            .replace("FILE...", sample)
            .replace("/var/audit/remote", case.to_str().unwrap())
            .replace("/var/audit", one_host.to_str().unwrap())
            .replace("case42/", &format!("{}/", case.display()))
            .split(' ')
            .map(|w| if w == "trail" { sample } else { w })
            .collect::<Vec<_>>()
            .join(" ");
        let out = Command::new("bash")
            .args(["-o", "pipefail", "-c", &cmd])
            .current_dir(&dir)
            .env("PATH", &path)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "README example `{example}` failed ({}): {err}",
            out.status
        );
        assert!(
            !err.contains("error:") && !err.contains("unknown"),
            "README example `{example}`: {err}"
        );
        ran += 1;
    }
    assert!(ran >= 20, "only {ran} examples ran");
    std::fs::remove_dir_all(&dir).unwrap();
}
