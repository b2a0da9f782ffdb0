"""One module per rule, named after it; each holds the detector that runs the rule.

Rule modules never import each other (an import-linter `independence` contract): what two rules share
lives one level up, in `dlp.checks` (`base`, `entity`, `addressing`, `address_rules`,
`recipient_list_pass`, `readable`, `scope`).
"""
