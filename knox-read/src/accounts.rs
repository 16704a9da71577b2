//! Naming user and group ids: from this machine (as praudit does), from the source machine's
//! `passwd` and `group` files (offline forensics), or not at all (`-n`).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::Mutex;

/// Most names of this machine's accounts remembered per kind: a hostile trail can name every
/// id there is, and the cache must not grow with it. When full it starts again.
const CACHE_LIMIT: usize = 4096;

/// Where names come from for one kind of id.
#[derive(Debug)]
enum Source {
    /// This machine's account database, cached (a clone, for another thread, has its own).
    Host(Mutex<HashMap<u32, Option<String>, IdHash>>),
    /// A passwd- or group-format file: `name:x:id:...`.
    File(Arc<HashMap<u32, String, IdHash>>),
}

impl Clone for Source {
    fn clone(&self) -> Source {
        match self {
            Source::Host(m) => {
                Source::Host(Mutex::new(m.lock().map(|c| c.clone()).unwrap_or_default()))
            }
            Source::File(f) => Source::File(f.clone()),
        }
    }
}

/// A fast hash for small integer keys (ids are not attacker-chosen in a way that matters here:
/// the worst case is a slower lookup).
#[derive(Debug, Default, Clone, Copy)]
struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ b as u64).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = (n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

type IdHash = std::hash::BuildHasherDefault<IdHasher>;

/// Resolves uids and gids to names. Ids without a name print as signed decimals, as praudit's
/// `%d` does (so an unset auid prints -1).
#[derive(Debug, Clone)]
pub struct Accounts {
    numeric: bool,
    users: Source,
    groups: Source,
    /// Set once a name came from this machine's accounts (shared by clones).
    host_names: Arc<std::sync::atomic::AtomicBool>,
}

/// Parses `name:passwd:id:...` lines; the first line for an id wins.
fn parse_id_file(text: &str) -> HashMap<u32, String, IdHash> {
    let mut m = HashMap::default();
    for line in text.lines() {
        if line.starts_with('#') {
            continue;
        }
        let mut f = line.split(':');
        let (Some(name), Some(_), Some(id)) = (f.next(), f.next(), f.next()) else {
            continue;
        };
        if let Ok(id) = id.trim().parse::<u32>() {
            m.entry(id).or_insert_with(|| name.to_string());
        }
    }
    m
}

impl Accounts {
    /// Numbers only (`-n`).
    pub fn numeric() -> Accounts {
        Accounts {
            numeric: true,
            users: Source::File(Arc::default()),
            groups: Source::File(Arc::default()),
            host_names: Arc::default(),
        }
    }

    /// Names from the host, except where a file is given.
    pub fn new(passwd: Option<&Path>, group: Option<&Path>) -> std::io::Result<Accounts> {
        let load = |p: Option<&Path>| -> std::io::Result<Source> {
            Ok(match p {
                Some(p) => Source::File(Arc::new(parse_id_file(&String::from_utf8_lossy(
                    &std::fs::read(p)?,
                )))),
                None => Source::Host(Mutex::new(HashMap::default())),
            })
        };
        Ok(Accounts {
            numeric: false,
            users: load(passwd)?,
            groups: load(group)?,
            host_names: Arc::default(),
        })
    }

    fn lookup(
        &self,
        src: &Source,
        id: u32,
        host: fn(u32) -> Option<String>,
        out: &mut Vec<u8>,
    ) -> bool {
        match src {
            Source::File(m) => match m.get(&id) {
                Some(n) => {
                    out.extend_from_slice(n.as_bytes());
                    true
                }
                None => false,
            },
            Source::Host(cache) => {
                let Ok(mut c) = cache.lock() else {
                    return false;
                };
                if c.len() >= CACHE_LIMIT && !c.contains_key(&id) {
                    c.clear();
                }
                match c.entry(id).or_insert_with(|| host(id)) {
                    Some(n) => {
                        out.extend_from_slice(n.as_bytes());
                        self.host_names
                            .store(true, std::sync::atomic::Ordering::Relaxed);
                        true
                    }
                    None => false,
                }
            }
        }
    }

    /// Whether a name printed so far came from this machine's accounts.
    pub fn used_host_names(&self) -> bool {
        self.host_names.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// What to say once a run printed names from this machine's accounts: they may not be the
    /// audited machine's (a Mac's gid 20 is `staff`, on Linux often `dialout`).
    pub fn host_names_note(&self) -> Option<&'static str> {
        self.used_host_names().then_some(
            "user and group names are this machine's, not necessarily the audited machine's: \
             give its /etc/passwd and /etc/group with --passwd and --group",
        )
    }

    /// Whether names come from this machine's accounts (not from the source machine's files).
    pub fn from_this_host(&self) -> bool {
        !self.numeric
            && (matches!(self.users, Source::Host(_)) || matches!(self.groups, Source::Host(_)))
    }

    /// A user's name, if it has one (never for numeric output).
    pub fn user_name(&self, uid: u32) -> Option<String> {
        let mut v = Vec::new();
        (!self.numeric && self.lookup(&self.users, uid, bsm_io::accounts::user_name, &mut v))
            .then(|| String::from_utf8_lossy(&v).into_owned())
    }

    /// A user's name, or its id as a signed number (as praudit prints it).
    pub fn user(&self, uid: u32) -> String {
        let mut v = Vec::new();
        self.write_user(uid, &mut v);
        String::from_utf8_lossy(&v).into_owned()
    }

    /// Writes a user's name, or its id as a signed number.
    pub fn write_user(&self, uid: u32, out: &mut Vec<u8>) {
        if self.numeric || !self.lookup(&self.users, uid, bsm_io::accounts::user_name, out) {
            signed(out, uid as i32);
        }
    }

    /// Writes a group's name, or its id as a signed number.
    pub fn write_group(&self, gid: u32, out: &mut Vec<u8>) {
        if self.numeric || !self.lookup(&self.groups, gid, bsm_io::accounts::group_name, out) {
            signed(out, gid as i32);
        }
    }

    /// Writes a user's or group's name, or its id as a signed number.
    pub fn write(&self, id: Id, out: &mut Vec<u8>) {
        match id {
            Id::User(uid) => self.write_user(uid, out),
            Id::Group(gid) => self.write_group(gid, out),
        }
    }
}

/// A user or group id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Id {
    User(u32),
    Group(u32),
}

/// The printed names of the ids written last, for a writer that prints names on every record
/// (praudit prints five per subject token): one thread's own memo in front of [`Accounts`],
/// found without the accounts' lock and hash.
#[derive(Debug, Clone, Default)]
pub struct RecentNames {
    entries: Vec<(Id, Printed)>,
    /// The entry replaced next once full.
    next: usize,
}

/// A printed name. A short one is kept padded to a fixed size, so that writing it is a
/// constant-size copy and a cut, not a call to memcpy for a few bytes.
#[derive(Debug, Clone)]
enum Printed {
    Short { bytes: [u8; SHORT], len: usize },
    Long(Vec<u8>),
}

const SHORT: usize = 32;

impl Printed {
    fn of(text: &[u8]) -> Printed {
        if text.len() <= SHORT {
            let mut bytes = [0; SHORT];
            bytes[..text.len()].copy_from_slice(text);
            Printed::Short {
                bytes,
                len: text.len(),
            }
        } else {
            Printed::Long(text.to_vec())
        }
    }

    fn write(&self, out: &mut Vec<u8>) {
        match self {
            Printed::Short { bytes, len } => {
                let end = out.len() + len;
                out.extend_from_slice(bytes);
                out.truncate(end);
            }
            Printed::Long(text) => out.extend_from_slice(text),
        }
    }
}

impl RecentNames {
    const SIZE: usize = 8;

    /// Writes the id's name (or number) as `accounts` give it.
    pub fn write(&mut self, accounts: &Accounts, id: Id, out: &mut Vec<u8>) {
        if let Some((_, text)) = self.entries.iter().find(|(i, _)| *i == id) {
            text.write(out);
            return;
        }
        let start = out.len();
        accounts.write(id, out);
        let entry = (id, Printed::of(&out[start..]));
        if self.entries.len() < Self::SIZE {
            self.entries.push(entry);
        } else {
            self.entries[self.next] = entry;
            self.next = (self.next + 1) % Self::SIZE;
        }
    }
}

/// Writes a signed decimal (praudit's `%d` of an id).
fn signed(out: &mut Vec<u8>, v: i32) {
    let mut digits = [0u8; 11];
    let mut n = v.unsigned_abs();
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if v < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&digits[i..]);
}

impl Accounts {
    /// The user id of a name (from the passwd file when one is given).
    pub fn uid(&self, name: &str) -> Option<u32> {
        match &self.users {
            Source::File(m) => m
                .iter()
                .find(|(_, n)| n.as_str() == name)
                .map(|(&id, _)| id),
            Source::Host(_) => bsm_io::accounts::user_id(name),
        }
    }

    /// The group id of a name (from the group file when one is given).
    pub fn gid(&self, name: &str) -> Option<u32> {
        match &self.groups {
            Source::File(m) => m
                .iter()
                .find(|(_, n)| n.as_str() == name)
                .map(|(&id, _)| id),
            Source::Host(_) => bsm_io::accounts::group_id(name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_name_ids_and_unknown_ids_print_signed() {
        let dir = std::env::temp_dir().join(format!("knox-accounts-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("passwd"),
            "root:x:0:0::/:/bin/sh\nalice:*:501:20::/:/bin/zsh\nalice2:*:501:20::/:/bin/zsh\n",
        )
        .unwrap();
        // Group 8's name is longer than the memo's short form, group 9's exactly as long.
        std::fs::write(
            dir.join("group"),
            format!(
                "wheel:*:0:root\nstaff:*:20:\n{}:*:8:\n{}:*:9:\n",
                "g".repeat(SHORT + 1),
                "h".repeat(SHORT)
            ),
        )
        .unwrap();
        let a = Accounts::new(Some(&dir.join("passwd")), Some(&dir.join("group"))).unwrap();
        let mut out = Vec::new();
        a.write_user(501, &mut out);
        out.push(b' ');
        a.write_user(u32::MAX, &mut out);
        out.push(b' ');
        a.write_group(20, &mut out);
        out.push(b' ');
        a.write_group(7, &mut out);
        assert_eq!(String::from_utf8(out).unwrap(), "alice -1 staff 7");
        let mut out = Vec::new();
        Accounts::numeric().write_user(0, &mut out);
        assert_eq!(out, b"0");
        // The memo in front gives what the accounts give, users and groups apart, across more
        // ids than it keeps.
        let mut recent = RecentNames::default();
        let ids = [0, 501, 20, 7, 1, 2, 3, 4, 5, 6, 8, 9, 501, 0, 20];
        for &n in ids.iter().chain(&ids) {
            for id in [Id::User(n), Id::Group(n)] {
                let (mut got, mut want) = (b"x".to_vec(), b"x".to_vec());
                recent.write(&a, id, &mut got);
                a.write(id, &mut want);
                assert_eq!(got, want, "{id:?}");
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
