//! A validator of OCSF events against the compiled OCSF schema (`../shared/ocsf/ocsf-1.8.0.json`),
//! written from the schema's own description of itself: the class, category and type_uid agree;
//! every required attribute of the class, of each object and of the profiles the event names is
//! present; the objects' `at_least_one` and `just_one` constraints hold; no attribute is there
//! that the class or object does not define (outside `unmapped`); every value has its type's JSON
//! kind, range and pattern; enumerated ids are among their values.

use std::collections::HashMap;
use std::path::Path;

use serde_json::{Map, Value};

pub struct Schema {
    v: Value,
    patterns: HashMap<String, regex::Regex>,
}

impl Schema {
    pub fn load(path: &Path) -> Schema {
        let v: Value = serde_json::from_slice(&std::fs::read(path).expect("the OCSF schema"))
            .expect("the OCSF schema is JSON");
        let mut patterns = HashMap::new();
        for (name, t) in v["types"].as_object().expect("types") {
            if let Some(re) = t["regex"].as_str() {
                if let Ok(r) = regex::Regex::new(re) {
                    patterns.insert(name.clone(), r);
                }
            }
        }
        Schema { v, patterns }
    }

    /// The problems of one event (empty when it is valid).
    pub fn validate(&self, event: &Value) -> Vec<String> {
        let mut errors = Vec::new();
        let Some(obj) = event.as_object() else {
            return vec!["not an object".into()];
        };
        let uid = obj.get("class_uid").and_then(Value::as_i64);
        let Some((_, class)) = self.v["classes"]
            .as_object()
            .expect("classes")
            .iter()
            .find(|(_, c)| c["uid"].as_i64() == uid)
        else {
            return vec![format!("no class with uid {uid:?}")];
        };
        let category = class["category"].as_str().unwrap_or("");
        let cat_uid = self.v["categories"][category]["uid"].as_i64().unwrap_or(0);
        if obj.get("category_uid").and_then(Value::as_i64) != Some(cat_uid) {
            errors.push(format!(
                "category_uid {:?}, the class's category is {cat_uid}",
                obj.get("category_uid")
            ));
        }
        let activity = obj.get("activity_id").and_then(Value::as_i64).unwrap_or(-1);
        let want = uid.unwrap_or(0) * 100 + activity;
        if obj.get("type_uid").and_then(Value::as_i64) != Some(want) {
            errors.push(format!("type_uid {:?}, want {want}", obj.get("type_uid")));
        }
        let profiles: Vec<String> = obj
            .get("metadata")
            .and_then(|m| m.get("profiles"))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|p| p.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        for p in &profiles {
            if self.v["profiles"].get(p).is_none() {
                errors.push(format!("unknown profile {p}"));
            }
        }
        self.object(
            obj,
            class["attributes"].as_object().expect("class attributes"),
            class.get("constraints"),
            "",
            &profiles,
            true,
            &mut errors,
        );
        errors
    }

    #[allow(clippy::too_many_arguments)]
    fn object(
        &self,
        obj: &Map<String, Value>,
        attrs: &Map<String, Value>,
        constraints: Option<&Value>,
        path: &str,
        profiles: &[String],
        top: bool,
        errors: &mut Vec<String>,
    ) {
        for (k, val) in obj {
            let at = format!("{path}{k}");
            if top && k == "unmapped" {
                if !val.is_object() {
                    errors.push(format!("{at}: not an object"));
                }
                continue;
            }
            match attrs.get(k) {
                Some(def) => self.value(val, def, &at, profiles, errors),
                None => errors.push(format!("{at}: not an attribute here")),
            }
        }
        for (k, def) in attrs {
            let required = def["requirement"] == "required";
            let applies = match def["profile"].as_str() {
                None => true,
                Some(p) => profiles.iter().any(|x| x == p),
            };
            if required && applies && !obj.contains_key(k) {
                errors.push(format!("{path}{k}: required, missing"));
            }
        }
        if let Some(c) = constraints.and_then(Value::as_object) {
            let present = |names: &Value| -> usize {
                names
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter(|n| n.as_str().is_some_and(|n| obj.contains_key(n)))
                            .count()
                    })
                    .unwrap_or(0)
            };
            if let Some(names) = c.get("at_least_one") {
                if present(names) == 0 {
                    errors.push(format!("{path}: needs at least one of {names}"));
                }
            }
            if let Some(names) = c.get("just_one") {
                if present(names) != 1 {
                    errors.push(format!("{path}: needs exactly one of {names}"));
                }
            }
        }
    }

    fn value(
        &self,
        val: &Value,
        def: &Value,
        at: &str,
        profiles: &[String],
        errors: &mut Vec<String>,
    ) {
        if def["is_array"] == true {
            match val.as_array() {
                Some(items) => {
                    for (i, item) in items.iter().enumerate() {
                        self.one(item, def, &format!("{at}[{i}]"), profiles, errors);
                    }
                }
                None => errors.push(format!("{at}: not an array")),
            }
        } else {
            self.one(val, def, at, profiles, errors);
        }
    }

    fn one(
        &self,
        val: &Value,
        def: &Value,
        at: &str,
        profiles: &[String],
        errors: &mut Vec<String>,
    ) {
        let t = def["type"].as_str().unwrap_or("");
        if let Some(o) = self.v["objects"].get(t) {
            match val.as_object() {
                Some(obj) => self.object(
                    obj,
                    o["attributes"].as_object().expect("object attributes"),
                    o.get("constraints"),
                    &format!("{at}."),
                    profiles,
                    false,
                    errors,
                ),
                None => errors.push(format!("{at}: not an object ({t})")),
            }
            return;
        }
        if t == "object" {
            if !val.is_object() {
                errors.push(format!("{at}: not an object"));
            }
            return;
        }
        self.scalar(val, t, at, errors);
        if let Some(e) = def["enum"].as_object() {
            let key = match val {
                Value::Number(n) => n.to_string(),
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            if !e.contains_key(&key) {
                errors.push(format!("{at}: {key} is not one of its values"));
            }
        }
    }

    /// Checks a value against a scalar type and the types it reduces to.
    fn scalar(&self, val: &Value, t: &str, at: &str, errors: &mut Vec<String>) {
        let Some(def) = self.v["types"].get(t) else {
            errors.push(format!("{at}: unknown type {t}"));
            return;
        };
        if let Some(r) = self.patterns.get(t) {
            if let Some(s) = val.as_str() {
                if !r.is_match(s) {
                    errors.push(format!("{at}: {s:?} is not a {t}"));
                }
            }
        }
        if let (Some(range), Some(n)) = (def["range"].as_array(), val.as_f64()) {
            let (lo, hi) = (
                range[0].as_f64().unwrap_or(f64::MIN),
                range[1].as_f64().unwrap_or(f64::MAX),
            );
            if n < lo || n > hi {
                errors.push(format!("{at}: {n} out of {lo}..{hi}"));
            }
        }
        if let (Some(max), Some(s)) = (def["max_len"].as_u64(), val.as_str()) {
            if s.len() as u64 > max {
                errors.push(format!("{at}: longer than {max}"));
            }
        }
        match def["type"].as_str() {
            Some(base) => self.scalar(val, base, at, errors),
            None => {
                let ok = match t {
                    "string_t" => val.is_string(),
                    "integer_t" | "long_t" => val.is_i64() || val.is_u64(),
                    "float_t" => val.is_number(),
                    "boolean_t" => val.is_boolean(),
                    "json_t" => true,
                    _ => val.is_string(),
                };
                if !ok {
                    errors.push(format!("{at}: {val} is not a {t}"));
                }
            }
        }
    }
}
