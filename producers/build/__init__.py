"""Model builders shared by producers: one module per modelling API.
Not plugins themselves (the grid only lists modules directly in producers/)."""
