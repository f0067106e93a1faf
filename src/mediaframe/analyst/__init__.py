"""The analyst's loop: which sentences to label next (`suggest`) and why a sentence got its labels (`explain`)."""
