"""Results: standard-setting panels, each candidate's result, holds, special consideration, release."""
