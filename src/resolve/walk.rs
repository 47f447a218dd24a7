//! The state of one resolution: what has been found so far, which of it are alternatives,
//! and what could not be followed; and how it becomes a [`Link`].

use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};

use super::TargetSpec;
use super::link::{Link, Resolution, Slot, Target};
use crate::model::ModId;

#[derive(Default)]
pub(super) struct Walk {
    /// Found targets in order, each with whether a known value (not a reference) named it.
    found: Vec<(Target, bool)>,
    positions: FxHashMap<Target, usize>,
    /// A shared candidate set found whole (every instance of a block), kept by reference
    /// while it is all the walk found: thousands of links naming one block share it.
    bulk: Option<Arc<[Target]>>,
    /// Groups of found targets of which one is meant (an `each.value` expansion, an index
    /// into a list, a known value several resources carry), as opposed to `selection`,
    /// which makes the whole walk one choice.
    pub choices: Vec<Vec<Target>>,
    pub selection: bool,
    pub had_refs: bool,
    pub dead_ends: Vec<String>,
    pub fallback: Option<String>,
    /// `local`s without a source whose module instance has no resource of the wanted type:
    /// a dead end unless the rest of the expression leads somewhere.
    pub empty_locals: Vec<String>,
    /// The references followed, by number, in each module instance: the cycle guard.
    pub visited: FxHashSet<(ModId, u32)>,
    pub depth: usize,
}

/// Whether an attribute is set at all.
pub(super) enum Outcome {
    Unset,
    Walked,
}

impl Walk {
    pub fn push(&mut self, t: Target, known: bool) {
        self.spill();
        match self.positions.get(&t) {
            Some(&i) => self.found[i].1 &= known,
            None => {
                self.positions.insert(t.clone(), self.found.len());
                self.found.push((t, known));
            }
        }
    }

    /// A set found whole (references, not known values). Kept shared when it is all the
    /// walk finds; spilled into the found targets otherwise.
    pub fn push_set(&mut self, set: Arc<[Target]>) {
        if set.is_empty() {
            return;
        }
        if self.found.is_empty() && self.bulk.is_none() {
            self.bulk = Some(set);
            return;
        }
        for t in set.iter() {
            self.push(t.clone(), false);
        }
    }

    fn spill(&mut self) {
        if let Some(set) = self.bulk.take() {
            for t in set.iter() {
                self.positions.insert(t.clone(), self.found.len());
                self.found.push((t.clone(), false));
            }
        }
    }

    pub fn found(&mut self) -> impl Iterator<Item = &Target> {
        self.spill();
        self.found.iter().map(|(t, _)| t)
    }

    pub fn found_len(&self) -> usize {
        self.found.len() + self.bulk.as_ref().map_or(0, |b| b.len())
    }

    pub fn first(&self) -> Option<&Target> {
        self.bulk.as_ref().and_then(|b| b.first()).or_else(|| self.found.first().map(|(t, _)| t))
    }

    /// Keeps only the found targets `keep` accepts.
    pub fn retain(&mut self, keep: impl Fn(&Target) -> bool) {
        self.spill();
        self.found.retain(|(t, _)| keep(t));
        self.positions = self.found.iter().enumerate().map(|(i, (t, _))| (t.clone(), i)).collect();
    }

    pub fn dead_end(&mut self, what: String) {
        if !self.dead_ends.contains(&what) {
            self.dead_ends.push(what);
        }
    }

    /// A walk for part of an expression, sharing the cycle guard with this one.
    pub fn sub(&mut self) -> Walk {
        Walk { visited: std::mem::take(&mut self.visited), depth: self.depth, ..Walk::default() }
    }

    /// Merges a sub-walk whose targets are alternatives: one of them is meant.
    pub fn merge_choice(&mut self, mut sub: Walk) {
        sub.spill();
        self.visited = std::mem::take(&mut sub.visited);
        if sub.found.len() > 1 {
            self.choices.push(sub.found.iter().map(|(t, _)| t.clone()).collect());
        }
        self.choices.append(&mut sub.choices);
        sub.found.into_iter().for_each(|(t, k)| self.push(t, k));
        self.had_refs |= sub.had_refs;
        sub.dead_ends.into_iter().for_each(|d| self.dead_end(d));
        self.fallback = self.fallback.take().or(sub.fallback);
        self.empty_locals.append(&mut sub.empty_locals);
    }

    pub fn finish(mut self, spec: &TargetSpec, outcome: Outcome) -> Link {
        if self.found.is_empty() && self.bulk.is_none() {
            for l in std::mem::take(&mut self.empty_locals) {
                self.dead_end(format!("local.{l}"));
            }
        }
        // A whole set, one of which is meant (or a scalar attribute): shared, not copied.
        if let Some(set) =
            self.bulk.take_if(|_| self.found.is_empty() && (self.selection || !spec.many) && self.choices.is_empty())
        {
            let resolution = if self.fallback.is_some() || set.len() > 1 || !self.dead_ends.is_empty() {
                Resolution::Candidates
            } else {
                Resolution::Reference
            };
            let slots = vec![Slot::shared(set)];
            return Link { resolution, slots, unset: false, dead_ends: self.dead_ends, fallback: self.fallback };
        }
        self.spill();
        if self.found.is_empty() {
            if matches!(outcome, Outcome::Unset) {
                return Link::unset();
            }
            let resolution =
                if self.dead_ends.is_empty() && !self.had_refs { Resolution::Known } else { Resolution::Unresolved };
            return Link {
                resolution,
                slots: Vec::new(),
                unset: false,
                dead_ends: self.dead_ends,
                fallback: self.fallback,
            };
        }
        let all_known = self.found.iter().all(|(_, k)| *k);
        let targets: Vec<Target> = self.found.into_iter().map(|(t, _)| t).collect();
        let slots: Vec<Slot> = if !spec.many || self.selection {
            vec![Slot::new(targets)]
        } else {
            // Each choice group is one slot; everything else is attached for certain.
            let mut slots: Vec<Slot> = Vec::new();
            let mut grouped: FxHashSet<&Target> = FxHashSet::default();
            let order: FxHashMap<&Target, usize> = targets.iter().enumerate().map(|(i, t)| (t, i)).collect();
            let mut seen_groups: FxHashSet<Vec<usize>> = FxHashSet::default();
            for group in &self.choices {
                let mut members: Vec<usize> = group.iter().filter_map(|t| order.get(t).copied()).collect();
                members.sort_unstable();
                members.dedup();
                if members.len() > 1 && seen_groups.insert(members.clone()) {
                    grouped.extend(members.iter().map(|&i| &targets[i]));
                    slots.push(Slot::new(members.iter().map(|&i| targets[i].clone()).collect()));
                }
            }
            let mut out: Vec<Slot> =
                targets.iter().filter(|t| !grouped.contains(t)).map(|t| Slot::one(t.clone())).collect();
            out.extend(slots);
            out
        };
        let ambiguous = slots.iter().any(|s| s.options().len() > 1);
        let resolution = if self.fallback.is_some() || ambiguous || !self.dead_ends.is_empty() {
            Resolution::Candidates
        } else if all_known {
            Resolution::Known
        } else {
            Resolution::Reference
        };
        Link { resolution, slots, unset: false, dead_ends: self.dead_ends, fallback: self.fallback }
    }
}
