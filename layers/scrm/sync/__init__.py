"""Full sync from WeCom: the plan of steps, the steps on the sync queue, its jobs table, its wiring."""
