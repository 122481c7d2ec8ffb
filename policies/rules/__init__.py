"""The policy pack's rules, one module per area: IAM, QuickSight, the stack as a whole."""
