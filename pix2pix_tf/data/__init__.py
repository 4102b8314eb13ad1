"""Data: image files and folders, datasets, the built-in synthetic faces, transforms,
face cutting, degradations, and `prepare`/`download` of real datasets."""
