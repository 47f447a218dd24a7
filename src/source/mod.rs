//! `.tf` sources: what the plan JSON lacks (`locals`) and where each resource block is.
