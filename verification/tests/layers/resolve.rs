//! A crate's modules, and the resolution of a path written in one of them
//! to the file that defines what it names.

use crate::reader::{definitions, module_path, take_uses, without_test_modules, Module};
use crate::source::{blank, root, rust_files};
use std::collections::BTreeMap;
use std::path::Path;

/// One crate's modules, by module path.
pub(crate) struct Crate {
    pub(crate) modules: BTreeMap<Vec<String>, Module>,
}

/// What a path resolved to.
pub(crate) enum Resolved {
    /// A file: the module itself, or the module defining the item named.
    File(Vec<String>),
    /// Outside the crate (std, another crate, a local binding).
    External,
}

impl Crate {
    pub(crate) fn read(src_rel: &str) -> Crate {
        let src = root().join(src_rel);
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        let mut modules = BTreeMap::new();
        for f in files {
            let rel_src = f.strip_prefix(&src).unwrap().display().to_string();
            if rel_src.starts_with("bin/") {
                continue; // each binary is a crate of its own, with one file
            }
            let text = std::fs::read_to_string(&f).unwrap();
            let mut code = without_test_modules(&blank(&text));
            let uses = take_uses(&mut code);
            let (defines, children) = definitions(&code);
            let path = module_path(&rel_src);
            let rel = Path::new(src_rel).join(&rel_src).display().to_string();
            modules.insert(path.clone(), Module { rel, path, code, defines, children, uses });
        }
        // Files declared only under `#[cfg(test)]` are test modules.
        let test_files: Vec<Vec<String>> = modules
            .values()
            .flat_map(|m| {
                let text = std::fs::read_to_string(root().join(&m.rel)).unwrap();
                let code = blank(&text);
                m.children
                    .iter()
                    .filter(|c| {
                        code.match_indices(&format!("mod {c};"))
                            .any(|(i, _)| code[..i].trim_end().ends_with("#[cfg(test)]"))
                    })
                    .map(|c| {
                        let mut p = m.path.clone();
                        p.push(c.clone());
                        p
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        for t in test_files {
            modules.remove(&t);
        }
        Crate { modules }
    }

    pub(crate) fn is_module(&self, path: &[String]) -> bool {
        self.modules.contains_key(path)
    }

    /// The start of a path written in module `from`: the module it is
    /// relative to and the rest, or `None` for a path outside the crate.
    pub(crate) fn anchor(&self, from: &Module, segs: &[String]) -> Option<(Vec<String>, usize)> {
        let first = segs.first()?;
        match first.as_str() {
            "crate" => Some((Vec::new(), 1)),
            "self" => Some((from.path.clone(), 1)),
            "super" => {
                let mut base = from.path.clone();
                let mut i = 0;
                while segs.get(i).is_some_and(|s| s == "super") {
                    base.pop();
                    i += 1;
                }
                Some((base, i))
            }
            "$crate" => None,
            name => {
                let mut child = from.path.clone();
                child.push(name.to_string());
                if from.children.contains(name) && self.is_module(&child) {
                    return Some((from.path.clone(), 0));
                }
                None
            }
        }
    }

    /// Resolves `segs` written in `from`. `Err` says why the path does not
    /// name the defining module.
    pub(crate) fn resolve(&self, from: &Module, segs: &[String]) -> Result<Resolved, String> {
        let Some((mut cur, start)) = self.anchor(from, segs).or_else(|| self.alias(from, segs)) else {
            return Ok(Resolved::External);
        };
        let mut i = start;
        while i < segs.len() {
            let mut next = cur.clone();
            next.push(segs[i].clone());
            if self.is_module(&next) {
                cur = next;
                i += 1;
            } else {
                break;
            }
        }
        let Some(m) = self.modules.get(&cur) else {
            return Err(format!("no module `{}`", cur.join("::")));
        };
        if i == segs.len() {
            return Ok(Resolved::File(cur));
        }
        let item = &segs[i];
        if m.defines.contains(item) {
            return Ok(Resolved::File(cur));
        }
        // A re-export: allowed from a folder's face for its own files.
        let export = m.uses.iter().find(|u| u.public && (u.name == *item || u.name == "*"));
        let Some(export) = export else {
            return Err(format!("`{item}` is not defined in `{}`", m.rel));
        };
        // A module that re-exports another crate's item (`sync` handing on
        // `core`'s or loom's atomics) is the crate's own name for it.
        let external = self.anchor(m, &export.segs).is_none();
        if external && !cur.is_empty() {
            return Ok(Resolved::File(cur));
        }
        let mut target = self.follow(m, item, 0).unwrap_or_default();
        if target.is_empty() {
            target = cur.clone();
        }
        let face = target.len() == cur.len() + 1
            && target.starts_with(&cur)
            && export.segs.first().is_some_and(|s| s != "crate" && s != "super");
        if cur.is_empty() {
            return Err(format!(
                "names `{item}` through the crate root's re-exports; name `crate::{}`",
                target.join("::")
            ));
        }
        if face {
            Ok(Resolved::File(target))
        } else {
            Err(format!("names `{item}` through `{}`'s re-export; name `crate::{}`", m.rel, target.join("::")))
        }
    }

    /// A path starting with a module this file imported (`opcode::Read`
    /// after `use crate::raw::opcode;`).
    pub(crate) fn alias(&self, from: &Module, segs: &[String]) -> Option<(Vec<String>, usize)> {
        let first = segs.first()?;
        let u = from.uses.iter().find(|u| !u.public && u.name == *first && u.name != "*")?;
        let (base, skip) = self.anchor(from, &u.segs)?;
        let mut full = base;
        full.extend(u.segs[skip..].iter().cloned());
        self.is_module(&full).then_some((full, 1))
    }

    /// The module that defines `item`, following re-exports from `m`.
    pub(crate) fn follow(&self, m: &Module, item: &str, depth: usize) -> Option<Vec<String>> {
        if depth > 8 {
            return None;
        }
        if m.defines.contains(item) {
            return Some(m.path.clone());
        }
        for u in m.uses.iter().filter(|u| u.public) {
            let segs: Vec<String> = if u.name == "*" {
                let mut s = u.segs.clone();
                s.pop();
                s.push(item.to_string());
                s
            } else if u.name == item {
                u.segs.clone()
            } else {
                continue;
            };
            let Some((mut cur, start)) = self.anchor(m, &segs) else { continue };
            let mut i = start;
            while i + 1 < segs.len() {
                let mut next = cur.clone();
                next.push(segs[i].clone());
                if !self.is_module(&next) {
                    break;
                }
                cur = next;
                i += 1;
            }
            let Some(n) = self.modules.get(&cur) else { continue };
            if let Some(p) = self.follow(n, &segs[segs.len() - 1], depth + 1) {
                return Some(p);
            }
        }
        None
    }
}
