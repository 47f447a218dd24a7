//! The state of one resolution: what has been found so far, which of it are alternatives,
//! and what could not be followed; and how it becomes a [`Link`].

use rustc_hash::{FxHashMap, FxHashSet};

use super::TargetSpec;
use super::link::{Link, Resolution, Slot, Target};
use crate::model::ModId;
use crate::plan::Reference;

#[derive(Default)]
pub(super) struct Walk {
    /// Found targets in order, each with whether a known value (not a reference) named it.
    found: Vec<(Target, bool)>,
    positions: FxHashMap<Target, usize>,
    /// Groups of found targets of which one is meant (an `each.value` expansion, an index
    /// into a list, a known value several resources carry), as opposed to `selection`,
    /// which makes the whole walk one choice.
    pub choices: Vec<Vec<Target>>,
    pub selection: bool,
    pub had_refs: bool,
    pub dead_ends: Vec<String>,
    pub fallback: Option<String>,
    pub visited: FxHashSet<(ModId, Reference)>,
    pub depth: usize,
}

/// Whether an attribute is set at all.
pub(super) enum Outcome {
    Unset,
    Walked,
}

impl Walk {
    pub fn push(&mut self, t: Target, known: bool) {
        match self.positions.get(&t) {
            Some(&i) => self.found[i].1 &= known,
            None => {
                self.positions.insert(t.clone(), self.found.len());
                self.found.push((t, known));
            }
        }
    }

    pub fn found(&self) -> impl Iterator<Item = &Target> {
        self.found.iter().map(|(t, _)| t)
    }

    pub fn found_len(&self) -> usize {
        self.found.len()
    }

    pub fn first(&self) -> Option<&Target> {
        self.found.first().map(|(t, _)| t)
    }

    /// Keeps only the found targets `keep` accepts.
    pub fn retain(&mut self, keep: impl Fn(&Target) -> bool) {
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
        self.visited = std::mem::take(&mut sub.visited);
        if sub.found.len() > 1 {
            self.choices.push(sub.found.iter().map(|(t, _)| t.clone()).collect());
        }
        self.choices.append(&mut sub.choices);
        sub.found.into_iter().for_each(|(t, k)| self.push(t, k));
        self.had_refs |= sub.had_refs;
        sub.dead_ends.into_iter().for_each(|d| self.dead_end(d));
        self.fallback = self.fallback.take().or(sub.fallback);
    }

    pub fn finish(self, spec: &TargetSpec, outcome: Outcome) -> Link {
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
            vec![Slot { options: targets }]
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
                    slots.push(Slot { options: members.iter().map(|&i| targets[i].clone()).collect() });
                }
            }
            let mut out: Vec<Slot> =
                targets.iter().filter(|t| !grouped.contains(t)).map(|t| Slot { options: vec![t.clone()] }).collect();
            out.extend(slots);
            out
        };
        let ambiguous = slots.iter().any(|s| s.options.len() > 1);
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
