//! The state of one resolution: what has been found so far, which of it are alternatives,
//! and what could not be followed; and how it becomes a [`Link`].

use std::cell::RefCell;
use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};
use smallvec::smallvec;

use super::TargetSpec;
use super::link::{Link, Resolution, Slot, Slots, Target};
use crate::model::ModId;

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

/// The buffers of finished walks, for the next walks on the same thread: resolution makes a
/// walk for every link, and most of them find a target or two.
#[derive(Default)]
struct Spare {
    found: Vec<(Target, bool)>,
    positions: FxHashMap<Target, usize>,
    visited: FxHashSet<(ModId, u32)>,
}

/// Spare buffers kept per thread; a walk and the sub-walks open at once need no more.
const SPARES: usize = 16;

thread_local! {
    static SPARE: RefCell<Vec<Spare>> = const { RefCell::new(Vec::new()) };
}

impl Drop for Walk {
    fn drop(&mut self) {
        let mut spare = Spare {
            found: std::mem::take(&mut self.found),
            positions: std::mem::take(&mut self.positions),
            visited: std::mem::take(&mut self.visited),
        };
        if spare.found.capacity() == 0 && spare.positions.capacity() == 0 && spare.visited.capacity() == 0 {
            return;
        }
        spare.found.clear();
        spare.positions.clear();
        spare.visited.clear();
        let _ = SPARE.try_with(|s| {
            let mut s = s.borrow_mut();
            if s.len() < SPARES {
                s.push(spare);
            }
        });
    }
}

/// What following one reference added to a walk: kept so that following the same reference
/// again, in the same module instance for the same kind of link, adds the same without
/// walking (a module's variable is read by many of its resources).
pub(super) struct Recorded {
    bulk: Option<Arc<[Target]>>,
    found: Vec<(Target, bool)>,
    choices: Vec<Vec<Target>>,
    selection: bool,
    had_refs: bool,
    dead_ends: Vec<String>,
    fallback: Option<String>,
    empty_locals: Vec<String>,
}

/// Whether an attribute is set at all.
pub(super) enum Outcome {
    Unset,
    Walked,
}

impl Walk {
    pub fn new() -> Walk {
        let spare = SPARE.try_with(|s| s.borrow_mut().pop()).ok().flatten().unwrap_or_default();
        Walk {
            found: spare.found,
            positions: spare.positions,
            bulk: None,
            choices: Vec::new(),
            selection: false,
            had_refs: false,
            dead_ends: Vec::new(),
            fallback: None,
            empty_locals: Vec::new(),
            visited: spare.visited,
            depth: 0,
        }
    }

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

    /// A walk for part of an expression, sharing the cycle guard with this one until
    /// [`Walk::rejoin`] or [`Walk::merge_choice`].
    pub fn sub(&mut self) -> Walk {
        let mut sub = Walk::new();
        std::mem::swap(&mut sub.visited, &mut self.visited);
        sub.depth = self.depth;
        sub
    }

    /// Takes back the cycle guard lent to `sub`.
    pub fn rejoin(&mut self, sub: &mut Walk) {
        std::mem::swap(&mut self.visited, &mut sub.visited);
    }

    /// A walk that records what following one reference adds ([`Walk::record`]). It has a
    /// cycle guard of its own, so that what it records does not depend on what the walk
    /// that asked had already followed.
    pub fn recorder(&self) -> Walk {
        let mut rec = Walk::new();
        rec.depth = self.depth;
        rec
    }

    pub fn record(mut self) -> Recorded {
        Recorded {
            bulk: self.bulk.take(),
            found: std::mem::take(&mut self.found),
            choices: std::mem::take(&mut self.choices),
            selection: self.selection,
            had_refs: self.had_refs,
            dead_ends: std::mem::take(&mut self.dead_ends),
            fallback: self.fallback.take(),
            empty_locals: std::mem::take(&mut self.empty_locals),
        }
    }

    /// Adds what was recorded as if the reference had been followed here: targets already
    /// found, dead ends already met and a fallback already set stay as they are.
    pub fn replay(&mut self, r: &Recorded) {
        if let Some(set) = &r.bulk {
            self.push_set(Arc::clone(set));
        }
        for (t, known) in &r.found {
            self.push(t.clone(), *known);
        }
        self.choices.extend(r.choices.iter().cloned());
        self.selection |= r.selection;
        self.had_refs |= r.had_refs;
        for d in &r.dead_ends {
            self.dead_end(d.clone());
        }
        if self.fallback.is_none() {
            self.fallback.clone_from(&r.fallback);
        }
        self.empty_locals.extend(r.empty_locals.iter().cloned());
    }

    /// Merges a sub-walk whose targets are alternatives: one of them is meant.
    pub fn merge_choice(&mut self, mut sub: Walk) {
        sub.spill();
        self.rejoin(&mut sub);
        if sub.found.len() > 1 {
            self.choices.push(sub.found.iter().map(|(t, _)| t.clone()).collect());
        }
        self.choices.append(&mut sub.choices);
        sub.found.drain(..).for_each(|(t, k)| self.push(t, k));
        self.had_refs |= sub.had_refs;
        std::mem::take(&mut sub.dead_ends).into_iter().for_each(|d| self.dead_end(d));
        self.fallback = self.fallback.take().or(sub.fallback.take());
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
            let slots = smallvec![Slot::shared(set)];
            return Link {
                resolution,
                slots,
                unset: false,
                dead_ends: std::mem::take(&mut self.dead_ends),
                fallback: self.fallback.take(),
            };
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
                slots: Slots::new(),
                unset: false,
                dead_ends: std::mem::take(&mut self.dead_ends),
                fallback: self.fallback.take(),
            };
        }
        let all_known = self.found.iter().all(|(_, k)| *k);
        let slots: Slots = if let [(only, _)] = self.found.as_slice() {
            // One target is one slot, whatever the attribute's shape.
            smallvec![Slot::one(only.clone())]
        } else if !spec.many || self.selection {
            let targets: Vec<Target> = self.found.drain(..).map(|(t, _)| t).collect();
            smallvec![Slot::new(targets)]
        } else {
            let targets: Vec<Target> = self.found.drain(..).map(|(t, _)| t).collect();
            // Each choice group is one slot; everything else is attached for certain.
            let mut slots: Slots = Slots::new();
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
            let mut out: Slots =
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
        Link {
            resolution,
            slots,
            unset: false,
            dead_ends: std::mem::take(&mut self.dead_ends),
            fallback: self.fallback.take(),
        }
    }
}
