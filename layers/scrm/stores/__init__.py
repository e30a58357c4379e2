"""Store codes (门店活码, issue 21): stores, their contact ways, the nearest open store, scans and adds."""
