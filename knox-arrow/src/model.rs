//! What the tables keep per running process besides the model's own facts.

use std::cell::RefCell;
use std::sync::Arc;

use knox_model::Process;

/// A process's last command line, with the program it was made of (a process is written once
/// per record, and changes program rarely; a forked child runs its parent's program, so it
/// starts with its parent's).
#[derive(Debug, Default)]
pub struct Cache {
    command_line: RefCell<Option<(usize, Option<Arc<str>>)>>,
}

impl knox_model::Data for Cache {
    fn started(_: u32, parent: Option<&Cache>) -> Cache {
        Cache {
            command_line: RefCell::new(parent.and_then(|p| p.command_line.borrow().clone())),
        }
    }
}

impl Cache {
    /// The command line of the program `p` runs (the process this cache belongs to); none
    /// when the trail shows neither its path nor its arguments.
    pub(crate) fn command_line(&self, p: &Process<Cache>) -> Option<Arc<str>> {
        // The program, by where its image lives (shared between parent and child).
        let key = p
            .image()
            .map_or(0, |i| i as *const knox_model::Image as usize);
        let mut c = self.command_line.borrow_mut();
        match &*c {
            Some((k, text)) if *k == key => text.clone(),
            _ => {
                let mut out = Vec::new();
                let text: Option<Arc<str>> = match p.image() {
                    Some(i) => {
                        knox_model::quote::command_line(&mut out, i.path.as_deref(), i.argv())
                            .then(|| String::from_utf8_lossy(&out).into())
                    }
                    None => None,
                };
                *c = Some((key, text.clone()));
                text
            }
        }
    }
}
