//! Three-valued answers: a hop passes, fails, or depends on what the plan cannot tell
//! (an unknown value, or which of several candidates a reference means).

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tri {
    Yes,
    No,
    Maybe,
}

impl Tri {
    pub fn from_bool(b: bool) -> Tri {
        if b { Tri::Yes } else { Tri::No }
    }

    /// Both must hold.
    pub fn and(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::No, _) | (_, Tri::No) => Tri::No,
            (Tri::Yes, Tri::Yes) => Tri::Yes,
            _ => Tri::Maybe,
        }
    }

    /// Either suffices.
    pub fn or(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::Yes, _) | (_, Tri::Yes) => Tri::Yes,
            (Tri::No, Tri::No) => Tri::No,
            _ => Tri::Maybe,
        }
    }

    /// The answer over several candidate worlds: the same everywhere, or `Maybe`.
    pub fn agree(items: impl IntoIterator<Item = Tri>) -> Tri {
        let mut out: Option<Tri> = None;
        for t in items {
            out = Some(match out {
                None => t,
                Some(prev) if prev == t => t,
                Some(_) => Tri::Maybe,
            });
        }
        out.unwrap_or(Tri::Maybe)
    }

    pub fn any(items: impl IntoIterator<Item = Tri>) -> Tri {
        items.into_iter().fold(Tri::No, Tri::or)
    }

    pub fn all(items: impl IntoIterator<Item = Tri>) -> Tri {
        items.into_iter().fold(Tri::Yes, Tri::and)
    }
}

/// The opposite answer; `Maybe` stays `Maybe`.
impl std::ops::Not for Tri {
    type Output = Tri;
    fn not(self) -> Tri {
        match self {
            Tri::Yes => Tri::No,
            Tri::No => Tri::Yes,
            Tri::Maybe => Tri::Maybe,
        }
    }
}

impl From<Option<bool>> for Tri {
    fn from(b: Option<bool>) -> Tri {
        b.map_or(Tri::Maybe, Tri::from_bool)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combines_like_kleene_logic() {
        assert_eq!(Tri::Yes.and(Tri::Maybe), Tri::Maybe);
        assert_eq!(Tri::No.and(Tri::Maybe), Tri::No);
        assert_eq!(Tri::No.or(Tri::Maybe), Tri::Maybe);
        assert_eq!(Tri::Yes.or(Tri::No), Tri::Yes);
        assert_eq!(Tri::agree([Tri::No, Tri::No]), Tri::No);
        assert_eq!(Tri::agree([Tri::No, Tri::Yes]), Tri::Maybe);
        assert_eq!(Tri::any([]), Tri::No);
        assert_eq!(Tri::all([]), Tri::Yes);
    }
}
