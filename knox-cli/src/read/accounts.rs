//! Naming user and group ids (defined in `knox_read::accounts`).

pub use knox_read::accounts::*;

impl crate::read::filter::IdNames for Accounts {
    fn uid(&self, name: &str) -> Option<u32> {
        Accounts::uid(self, name)
    }

    fn gid(&self, name: &str) -> Option<u32> {
        Accounts::gid(self, name)
    }
}
