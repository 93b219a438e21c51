"""Infrastructure as code in: each input language becomes one validated model of what will be deployed."""
