//! # knox-hunt
//!
//! Sigma rules over what BSM audit trails say happened. SigmaHQ's macOS rules are written for
//! the taxonomy's log categories (`process_creation`, `file_event`, `network_connection`);
//! `knox_model::sigma` says which records are of which category and fills their fields from
//! the records and the process model; this crate reads the rules and evaluates them.
//!
//! * [`rule`]: a rule's YAML compiled: search identifiers into field tests (every modifier of
//!   the specification that can apply to BSM records), the condition into a tree. A rule that
//!   cannot be evaluated says why ([`rule::Skip`]).
//! * [`engine::RuleSet`]: the rules, with one Aho-Corasick automaton per field over every rule's
//!   texts for it, so that a record's field is read once however many rules there are.
//! * [`pattern`], [`condition`]: Sigma's wildcards and escapes, and its condition language.

#![forbid(unsafe_code)]

pub mod condition;
pub mod engine;
pub mod pattern;
pub mod rule;

pub use engine::{NotLoaded, RuleSet};
pub use rule::{Level, Meta, Rule, Skip};
