# this copy of the stack runs in Ireland
region = "eu-west-1"
